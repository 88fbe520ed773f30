"""A subscription's signing secret (shown once, to whoever may manage the key's owner; rotated
with an overlap during which both secrets sign) and the bounds of its domain."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from .test_webhooks import WebhookCase, verify


class TestSecrets(WebhookCase):
    def test_secret_shown_once_and_to_administrators_only(self):
        webhook, secret = self.subscribe()
        with self.assertRaises(ValidationError):
            webhook._reveal_secret()
        manager = new_test_user(self.env, login="rest_webhook_manager", groups="rest_api_auth.group_rest_api_manager")
        with self.assertRaises(AccessError):
            _ = webhook.with_user(manager).secret
        self.assertEqual(webhook.sudo().secret, secret)
        action = webhook.action_rotate_secret()
        rotated = self.env["rest.api.webhook.secret"].browse(action["res_id"]).secret
        self.assertNotEqual(rotated, secret)
        self.assertEqual(webhook._valid_secrets(), [rotated, secret])  # the old one signs during the overlap
        self.partner.write({"name": "Rotated"})
        self.send()
        headers, body = self.receiver.received[0]
        self.assertTrue(verify(rotated, headers, body))
        self.assertTrue(verify(secret, headers, body))

    def test_a_manager_who_may_not_manage_the_owner_is_not_shown_the_secret(self):
        """As for a rotation: a REST API manager lacking the key owner's groups (here the contact
        manager's) may not reveal a secret not shown yet."""
        webhook = self.env["rest.api.webhook"].create(
            {"name": "unshown", "key_id": self.key["id"], "url": self.receiver.url,
             "model_id": self.env["ir.model"]._get_id("res.partner")}
        )  # fmt: skip
        manager = new_test_user(self.env, login="rest_webhook_lesser", groups="rest_api_auth.group_rest_api_manager")
        with self.assertRaises(AccessError):
            webhook.with_user(manager).action_show_secret()
        with self.assertRaises(AccessError):
            webhook.with_user(manager).action_rotate_secret()
        self.assertFalse(webhook.secret_shown)
        self.assertTrue(webhook.action_show_secret())  # the administrator may
        self.assertTrue(webhook.secret_shown)


class TestDomain(WebhookCase):
    def test_a_domain_is_bounded_as_a_search_domain_is(self):
        """In the web client too (the provisioning methods also bound its text to 4,096 characters)."""

        def create(conditions):
            domain = str([("id", "!=", number) for number in range(1, conditions + 1)])
            return self.env["rest.api.webhook"].create(
                {"name": "bounded", "key_id": self.key["id"], "url": self.receiver.url, "domain": domain,
                 "model_id": self.env["ir.model"]._get_id("res.partner")}
            )  # fmt: skip

        with self.assertRaisesRegex(ValidationError, "more than 500 conditions"):  # rest_api.max_domain_conditions
            create(501)
        self.assertTrue(create(500))
