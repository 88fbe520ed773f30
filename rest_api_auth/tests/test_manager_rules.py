"""Who may handle whose credentials: REST API managers act only for users with no rights they lack,
tokens are only ever revoked, and users see their own keys and revoke their own tokens."""

import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import RestApiUsersMixin, make_api_key


@tagged("post_install", "-at_install")
class TestManagerRules(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        # "Access Rights" (base.group_erp_manager): may change any user's groups, not a settings administrator
        cls.rights_manager = new_test_user(
            cls.env, login="rest_rights_manager", groups="base.group_user,base.group_erp_manager"
        )
        cls.keys = cls.env["rest.api.key"]
        cls.tokens = cls.env["rest.api.token"]
        cls.partner_model = cls.env["ir.model"]._get_id("res.partner")

    # -- issuing keys ----------------------------------------------------

    def test_a_manager_cannot_issue_a_key_for_a_user_with_more_rights(self):
        """The review's probe: with such a key, the manager could give themselves any group."""
        keys = self.keys.with_user(self.manager)
        for owner in (self.rights_manager, self.admin):
            with self.subTest(owner=owner.login), self.assertRaises(AccessError) as caught:
                keys.generate_api_key({"name": "escalation", "user_id": owner.id})
            self.assertIn("access rights you do not have", str(caught.exception))
        self.assertIn("Access Rights", str(caught.exception))  # names what the manager lacks
        self.assertFalse(self.keys.search([("name", "=", "escalation")]))
        self.env.cr.execute("SELECT count(*) FROM res_users_apikeys WHERE name = 'escalation'")
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no native key was minted either")

        # users whose groups the manager has, and the manager themselves: fine
        self.assertTrue(keys.generate_api_key({"name": "plain user", "user_id": self.user.id})["key"])
        self.assertTrue(keys.generate_api_key({"name": "own"})["key"])
        # a settings administrator may issue keys for anyone
        self.keys.with_user(self.admin).generate_api_key({"name": "by admin", "user_id": self.rights_manager.id})

    def test_the_rule_follows_group_changes(self):
        keys = self.keys.with_user(self.manager)
        self.user.groups_id += self.env.ref("base.group_partner_manager")
        with self.assertRaises(AccessError):
            keys.generate_api_key({"name": "contact creator", "user_id": self.user.id})
        self.manager.groups_id += self.env.ref("base.group_partner_manager")
        self.assertTrue(keys.generate_api_key({"name": "contact creator", "user_id": self.user.id})["key"])

    # -- changing keys and their access lines ----------------------------

    def test_a_manager_cannot_change_or_delete_keys_of_users_with_more_rights(self):
        for owner in (self.rights_manager, self.admin):
            key, _secret = make_api_key(
                self.env, owner, scope_mode="specific", access=[{"model": "res.partner", "read": True}]
            )
            line = key.access_ids
            as_manager = key.with_user(self.manager)
            changes = {
                "widen the scope": lambda key=as_manager: key.write({"scope_mode": "all"}),
                "lift the rate": lambda key=as_manager: key.write({"rate_limit": 0}),
                "reactivate": lambda key=as_manager: key.write({"active": True}),
                "delete": lambda key=as_manager: key.unlink(),
                "add a line": lambda key=as_manager: key.write(
                    {"access_ids": [Command.create({"model_id": self.env["ir.model"]._get_id("res.users")})]}
                ),
                "create a line": lambda key=key: (
                    self.env["rest.api.key.access"]
                    .with_user(self.manager)
                    .create({"key_id": key.id, "model_id": self.env["ir.model"]._get_id("res.users")})
                ),
                "change a line": lambda line=line: line.with_user(self.manager).write({"perm_unlink": True}),
                "delete a line": lambda line=line: line.with_user(self.manager).unlink(),
            }
            for change, run in changes.items():
                with self.subTest(owner=owner.login, change=change), self.assertRaises(AccessError):
                    run()
            self.assertEqual((key.scope_mode, key.rate_limit, line.perm_unlink), ("specific", 600, False))
            # moving a line of one's own key onto such a key is refused too
            own_key, _secret = make_api_key(self.env, self.user, scope_mode="specific")
            own_line = self.env["rest.api.key.access"].create({"key_id": own_key.id, "model_id": self.partner_model})
            with self.assertRaises(AccessError):
                own_line.with_user(self.manager).write({"key_id": key.id})

    def test_a_manager_manages_keys_of_users_without_more_rights(self):
        key, _secret = make_api_key(self.env, self.user, scope_mode="specific")
        key.with_user(self.manager).write(
            {"rate_limit": 10, "rate_burst": 5, "access_ids": [Command.create({"model_id": self.partner_model})]}
        )
        key.access_ids.with_user(self.manager).write({"perm_read": True})
        self.assertTrue(key.access_ids.perm_read)
        key.access_ids.with_user(self.manager).unlink()
        key.with_user(self.manager).unlink()
        self.assertFalse(key.exists())

    def test_no_credential_model_can_be_granted(self):
        for model in ("rest.api.key", "rest.api.token", "res.users.apikeys"):
            with self.subTest(model=model), self.assertRaises(ValidationError):
                make_api_key(self.env, self.user, scope_mode="specific", access=[{"model": model, "read": True}])

    # -- the burst ---------------------------------------------------------

    def test_the_burst_cannot_exceed_the_rate_limit(self):
        key, _secret = make_api_key(self.env, self.user, rate_limit=10, rate_burst=10)
        with self.assertRaises(ValidationError) as caught:
            key.write({"rate_burst": 11})
        self.assertEqual(str(caught.exception), "The burst (11) cannot exceed the rate limit (10).")
        key.write({"rate_limit": 0, "rate_burst": 500})  # no limit, nothing to exceed
        # a limit given alone gets the default burst (60), lowered to the limit
        lowered, _secret = make_api_key(self.env, self.user, rate_limit=5)
        self.assertEqual((lowered.rate_limit, lowered.rate_burst), (5, 5))
        kept, _secret = make_api_key(self.env, self.user, rate_limit=100)
        self.assertEqual(kept.rate_burst, 60)

    def test_default_burst_above_the_default_limit_is_refused_in_the_settings(self):
        settings = self.env["res.config.settings"].create(
            {"rest_api_default_rate_limit": 10, "rest_api_default_rate_burst": 20}
        )
        with self.assertRaises(ValidationError):
            settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("rest_api.default_rate_burst"), "60")

    # -- login tokens ----------------------------------------------------

    def token_for(self, user):
        admin_key, _secret = make_api_key(self.env, self.admin, allow_token_generation=True)
        token, _jwt = self.tokens._issue(admin_key, user, 1)
        return token

    def test_a_revoked_token_never_comes_back(self):
        token = self.token_for(self.user)
        token.with_user(self.manager).action_revoke()
        self.assertTrue(token.revoked)
        with self.assertRaises(AccessError):  # nobody holds write access on tokens
            token.with_user(self.manager).write({"revoked": False})
        with self.assertRaises(UserError):  # not even code running as superuser
            token.sudo().write({"revoked": False})
        self.assertTrue(token.revoked)

    def test_a_token_cannot_be_changed(self):
        token = self.token_for(self.user)
        later = datetime.datetime.now() + datetime.timedelta(days=365)
        for values in (
            {"user_id": self.other_user.id},
            {"key_id": make_api_key(self.env, self.other_user)[0].id},
            {"jti": "chosen"},
            {"expires_at": later},
            {"issued_at": later},
        ):
            with self.subTest(values=list(values)), self.assertRaises(UserError):
                token.sudo().write(values)
        self.assertEqual((token.user_id, token.revoked), (self.user, False))

    def test_users_revoke_their_own_tokens(self):
        token = self.token_for(self.user)
        mine = token.with_user(self.user)
        self.assertEqual(self.user.with_user(self.user).rest_api_token_ids, mine)
        mine.action_revoke()
        self.assertTrue(token.revoked)
        # not someone else's
        theirs = self.token_for(self.other_user)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user).action_revoke()
        with self.assertRaises(AccessError):
            theirs.with_user(self.user).unlink()
        self.assertFalse(theirs.revoked)

    def test_a_manager_revokes_tokens_only_of_users_without_more_rights(self):
        token = self.token_for(self.rights_manager)
        with self.assertRaises(AccessError):
            token.with_user(self.manager).action_revoke()
        with self.assertRaises(AccessError):
            token.with_user(self.manager).unlink()
        self.assertFalse(token.revoked)
        token.with_user(self.admin).action_revoke()
        self.assertTrue(token.revoked)
        plain = self.token_for(self.user)
        plain.with_user(self.manager).action_revoke()
        self.assertTrue(plain.revoked)

    def test_users_see_their_own_keys(self):
        key, _secret = make_api_key(self.env, self.user)
        make_api_key(self.env, self.other_user)
        me = self.user.with_user(self.user)
        self.assertEqual(me.rest_api_key_ids, key.with_user(self.user))
        self.assertIn("rest_api_key_ids", me.SELF_READABLE_FIELDS)
        self.assertEqual(me.read(["rest_api_key_ids"])[0]["rest_api_key_ids"], key.ids)
