"""Direct tests of the error mapping: client errors get their status, our own bugs a 500 (no HTTP)."""

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import BaseCase

from odoo.addons.rest_api_auth.exceptions import BadRequest

from ..dispatch import known_error, orm_values
from ..query import InvalidInput


class TestErrorMapping(BaseCase):
    def test_expected_errors(self):
        for exc, status in (
            (InvalidInput(("limit", "must be an integer")), 400),
            (AccessError("no"), 403),
            (MissingError("gone"), 404),
            (UserError("no"), 422),
            (ValidationError("no"), 422),
        ):
            with self.subTest(exc=exc):
                self.assertEqual(known_error(exc).status, status)
        self.assertEqual(
            known_error(InvalidInput(("limit", "bad"))).extensions["invalid_params"],
            [{"name": "limit", "reason": "bad"}],
        )

    def test_our_own_bugs_are_not_mapped(self):
        for exc in (ValueError("invalid literal for int()"), TypeError("x"), KeyError("k"), IndexError("i")):
            with self.subTest(exc=exc):
                self.assertIsNone(known_error(exc))


def _raise_as_odoo(exc):
    """Raise ``exc`` from a frame of Odoo's code (of ours, it would stay a bug: a 500)."""
    exec("raise exc", {"__name__": "odoo.fields", "exc": exc})  # noqa: S102 - a constant statement


class TestOrmValues(BaseCase):
    def test_orm_value_errors_are_the_clients(self):
        with self.assertRaises(BadRequest) as caught, orm_values():
            _raise_as_odoo(ValueError("Wrong value for res.partner.type: 'nonsense'"))
        self.assertEqual(caught.exception.status, 400)
        self.assertIn("nonsense", caught.exception.detail)

    def test_orm_key_and_type_errors_are_the_clients(self):
        """Odoo's create() of ir.model raises KeyError('model') without a model name: values Odoo's
        code cannot take, a malformed request (400) as in execute_kw, not a 500."""
        for exc in (KeyError("model"), TypeError("'bool' object is not subscriptable")):
            with self.subTest(exc=exc), self.assertRaises(BadRequest) as caught, orm_values():
                _raise_as_odoo(exc)
            self.assertEqual(caught.exception.status, 400)
            self.assertIn(type(exc).__name__, caught.exception.detail)

    def test_other_errors_pass_through(self):
        with self.assertRaises(InvalidInput), orm_values():
            raise InvalidInput(("x", "y"))
        with self.assertRaises(IndexError), orm_values():
            raise IndexError("a bug")
        with self.assertRaises(UserError), orm_values():
            raise UserError("Odoo says no")  # pylint: disable=translation-required
