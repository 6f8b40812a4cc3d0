from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from coverage.accounts.roles import Role
from coverage.accounts.services import MIN_PASSWORD_LENGTH

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, message="At least %(min)d characters."),
        ],
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
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.WRITER.value)
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, message="At least %(min)d characters."),
        ],
    )


class UpdateUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")
