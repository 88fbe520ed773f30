"""What no key reaches, whatever its scope: the credential models, password methods, the superuser."""

from odoo.tests import TransactionCase, tagged

from ..authentication import resolve
from ..exceptions import PermissionDenied
from .common import RestApiUsersMixin, make_api_key, make_personal_key

LOCAL = "127.0.0.1"


@tagged("post_install", "-at_install")
class TestNeverThroughTheRestApi(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.key, cls.secret = make_api_key(cls.env, cls.admin, rate_limit=0)  # scope "all", an administrator

    def test_credential_models_are_refused_whatever_the_scope(self):
        for model in (
            "rest.api.key",
            "rest.api.key.access",
            "rest.api.token",
            "rest.api.key.generate",
            "res.users.apikeys",
            "res.users.apikeys.description",
            "auth_totp.device",
            "auth_totp.wizard",
            "res.users.identitycheck",
            "change.password.wizard",
            "change.password.user",
            "change.password.own",
            "auth.passkey.key.create",
        ):
            for operation in ("read", "create", "write", "unlink", "execute"):
                with self.subTest(model=model, operation=operation), self.assertRaises(PermissionDenied) as caught:
                    resolve(self.env, {"api-key": self.secret}, LOCAL, operation, model=model, method="search")
                self.assertTrue(caught.exception.detail.startswith(f"{model} cannot be used through the REST API"))
        resolve(self.env, {"api-key": self.secret}, LOCAL, "read", model="res.users")
        for method in ("change_password", "authenticate", "check"):
            with self.subTest(method=method), self.assertRaises(PermissionDenied) as caught:
                resolve(self.env, {"api-key": self.secret}, LOCAL, "execute", model="res.users", method=method)
            self.assertIn("checks a password", caught.exception.detail)
        resolve(self.env, {"api-key": self.secret}, LOCAL, "execute", model="res.users", method="read")

    def test_the_superuser_cannot_act(self):
        root = self.env.ref("base.user_root")
        # __system__ is never active, and Odoo refuses to activate it; even if it were, behind the ORM's back
        self.env.cr.execute("UPDATE res_users SET active = true WHERE id = %s", [root.id])
        root.invalidate_recordset(["active"])
        secret = make_personal_key(root)
        with self.assertRaises(PermissionDenied) as caught:
            resolve(self.env, {"api-key": secret}, LOCAL, "read", model="res.partner")
        self.assertEqual(caught.exception.detail, "The superuser (__system__) cannot act through the REST API.")
