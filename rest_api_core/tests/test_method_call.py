"""Direct tests of the execute_kw body: method, arguments, context, ``limit`` (no HTTP)."""

from odoo.tests import BaseCase

from ..method_call import CONTEXT_ALLOW_LIST, checked_limit, filter_context, parse_method_call, record_ids
from ..query import InvalidInput


class TestMethodCall(BaseCase):
    def test_parse(self):
        call = parse_method_call(
            {"method": "search_read", "args": [[]], "kwargs": {"fields": ["name"], "context": {"lang": "fr_FR"}}}
        )
        self.assertEqual(
            (call.method, call.args, call.kwargs, call.context),
            ("search_read", [[]], {"fields": ["name"]}, {"lang": "fr_FR"}),
        )
        call = parse_method_call({"method": "fields_get"})
        self.assertEqual((call.args, call.kwargs, call.context), ([], {}, {}))

    def test_refusals(self):
        for body, param in (
            ({}, "method"),
            ({"method": ""}, "method"),
            ({"method": "a.b"}, "method"),
            ({"method": ["x"]}, "method"),
            ({"method": "x", "args": "[]"}, "args"),
            ({"method": "x", "kwargs": [1]}, "kwargs"),
            ({"method": "x", "kwargs": {"context": [1]}}, "kwargs.context"),
        ):
            with self.subTest(body=body), self.assertRaises(InvalidInput) as caught:
                parse_method_call(body)
            self.assertEqual(caught.exception.invalid_params[0]["name"], param)

    def test_context_allow_list(self):
        context = {
            "lang": "nl_BE",
            "tz": "Europe/Brussels",
            "active_test": False,
            "allowed_company_ids": [1, 2],
            "bin_size": True,
            "default_user_id": 1,
            "tracking_disable": True,
            "active_id": 4,
            "install_mode": True,
        }
        self.assertEqual(filter_context(context), {key: context[key] for key in CONTEXT_ALLOW_LIST})
        for key, value in (
            ("lang", 1),
            ("active_test", "no"),
            ("allowed_company_ids", [True]),
            ("allowed_company_ids", 1),
        ):
            with self.subTest(key=key), self.assertRaises(InvalidInput):
                filter_context({key: value})

    def test_record_ids(self):
        self.assertEqual(record_ids(4), [4])
        self.assertEqual(record_ids([4, 5]), [4, 5])
        for value in (0, -1, True, "4", [4, "5"], [0], None, {"id": 4}):
            with self.subTest(value=value), self.assertRaises(InvalidInput):
                record_ids(value)


class TestCheckedLimit(BaseCase):
    def test_absent(self):
        self.assertEqual(checked_limit(None, None, 1000), 1000)
        self.assertEqual(checked_limit(None, 100, 1000), 100)
        self.assertEqual(checked_limit(None, 100, 50), 50)
        self.assertEqual(checked_limit(None, 0, 50), 50)

    def test_given(self):
        self.assertEqual(checked_limit(1, None, 5), 1)
        self.assertEqual(checked_limit(5, 100, 5), 5)
        for value in (0, 6, -1, False, True, "3", 2.0, [3]):
            with self.subTest(value=value), self.assertRaises(InvalidInput) as caught:
                checked_limit(value, None, 5)
            self.assertEqual(
                caught.exception.invalid_params, [{"name": "limit", "reason": "must be an integer from 1 to 5"}]
            )
