"""What the audit log records: one name per kind of act, with the label admins read.

Pure: no Flask, no database."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    SESSION_ENDED = "session_ended"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    PASSWORD_RESET_THROTTLED = "password_reset_throttled"
    ACCOUNT_CREATED = "account_created"
    ROLE_CHANGED = "role_changed"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    API_TOKEN_CREATED = "api_token_created"
    API_TOKEN_REVOKED = "api_token_revoked"
    FEED_TOKEN_REGENERATED = "feed_token_regenerated"
    PUBLISHED = "published"
    SPIKED = "spiked"
    PROGRAMME_IMPORTED = "programme_imported"
    FESTIVAL_DELETED = "festival_deleted"
    BACKUP_RESTORED = "backup_restored"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[AuditAction, str] = {
    AuditAction.LOGIN: "Logged in",
    AuditAction.LOGIN_FAILED: "Failed log-in",
    AuditAction.LOGIN_THROTTLED: "Log-in refused: too many attempts",
    AuditAction.LOGOUT: "Logged out",
    AuditAction.SESSION_ENDED: "Session ended",
    AuditAction.PASSWORD_CHANGED: "Password changed",
    AuditAction.PASSWORD_RESET_REQUESTED: "Password reset requested",
    AuditAction.PASSWORD_RESET: "Password reset",
    AuditAction.PASSWORD_RESET_THROTTLED: "Password reset refused: too many requests",
    AuditAction.ACCOUNT_CREATED: "Account created",
    AuditAction.ROLE_CHANGED: "Role changed",
    AuditAction.ACCOUNT_DEACTIVATED: "Account deactivated",
    AuditAction.ACCOUNT_REACTIVATED: "Account reactivated",
    AuditAction.API_TOKEN_CREATED: "API token created",
    AuditAction.API_TOKEN_REVOKED: "API token revoked",
    AuditAction.FEED_TOKEN_REGENERATED: "Calendar feed link regenerated",
    AuditAction.PUBLISHED: "Piece published",
    AuditAction.SPIKED: "Piece spiked",
    AuditAction.PROGRAMME_IMPORTED: "Programme imported",
    AuditAction.FESTIVAL_DELETED: "Festival deleted",
    AuditAction.BACKUP_RESTORED: "Backup restored",
}
