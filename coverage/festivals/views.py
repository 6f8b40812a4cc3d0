from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from coverage.accounts.permissions import can_view_programme
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.web import permission_required

bp = Blueprint("festivals", __name__, url_prefix="/festivals")


@bp.route("/")
@permission_required(can_view_programme)
def index():
    festivals = db.session.scalars(
        select(Festival).order_by(Festival.start_date.desc(), Festival.name)
    ).all()
    return render_template("festivals/index.html", festivals=festivals)
