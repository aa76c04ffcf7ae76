from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "microcredit.accounts"
    label = "accounts"
    verbose_name = "comptes"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from microcredit.accounts.middleware import stamp_session_at_login

        # A login pushes the idle expiry back (the session is saved anyway): the minute of
        # SessionRefreshMiddleware starts from it.
        user_logged_in.connect(stamp_session_at_login, dispatch_uid="accounts-session-stamp")
