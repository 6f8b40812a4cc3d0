from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from coverage import field_limits
from coverage.accounts.passwords import MIN_LENGTH
from coverage.accounts.roles import Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    # The policy (length, common passwords) is checked by the service, which names the field.
    new_password = PasswordField(
        "New password",
        validators=[DataRequired()],
        description=f"At least {MIN_LENGTH} characters; a few unrelated words make a good one.",
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class ApiTokenForm(FlaskForm):
    label = StringField(
        "Label", validators=[Length(max=80)], description="e.g. 'desk laptop script'"
    )


class CreateUserForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(),
            Email(message="Enter a valid email address."),
            Length(max=field_limits.EMAIL),
        ],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=field_limits.PERSON_NAME)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.WRITER.value)
    password = PasswordField(
        "Initial password",
        validators=[DataRequired()],
        description=f"At least {MIN_LENGTH} characters, not a common password.",
    )


class UpdateUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")


class PasswordResetRequestForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter your email address."),
            Length(max=field_limits.EMAIL),
        ],
    )


class PasswordResetForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(message="Enter a new password.")],
        description=f"At least {MIN_LENGTH} characters; a few unrelated words make a good one.",
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
