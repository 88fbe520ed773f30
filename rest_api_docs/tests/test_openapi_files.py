"""A model's own files and reports operations in its document, and in its Postman collection.

On plain data (a :class:`FileDoc`, as ``catalog`` makes it); ``test_docs_files_http`` makes them
from a real database and calls what they document.
"""

from openapi_spec_validator import validate

from odoo.tests import BaseCase

from odoo.addons.rest_api_core.endpoints import ENDPOINTS

from ..openapi import OPERATIONS, FileDoc, build_openapi
from ..postman import build_postman
from .test_openapi import SERVER, VERSION, operations_of, partner_doc

IMAGES = ("image_1920", "image_128", "avatar_1920", "avatar_128")
PARTNER_FILES = FileDoc(
    downloads=IMAGES,
    uploads=("image_1920",),
    images=frozenset(IMAGES),
    sizes=(128, 1920),
    reports=("base.partner_card", "base.report_partner_list"),
    attachments=frozenset({"read", "create"}),
)
OCTET_STREAM = "application/octet-stream"


def parameter(operation, name):
    return next(p for p in operation["parameters"] if p.get("name") == name)


class TestModelFileOperations(BaseCase):
    def test_every_file_endpoint_of_the_registry_on_the_model_paths(self):
        spec = build_openapi(SERVER, [partner_doc(files=PARTNER_FILES)], version=VERSION)
        validate(spec)
        documented = {key for key in operations_of(spec) if key[0].startswith("/api/res.partner")}
        expected = {
            (endpoint.path.replace("{model}", "res.partner"), endpoint.method.lower())
            for endpoint in ENDPOINTS
            if endpoint.path.startswith("/api/{model}")
        }
        self.assertEqual(documented, expected)
        self.assertFalse([path for path in spec["paths"] if "{model}" in path])
        for (path, method), operation in operations_of(spec).items():
            if not path.startswith("/api/res.partner"):
                continue
            endpoint = next(e for e in ENDPOINTS if e.action == operation["x-odoo-action"])
            with self.subTest(path=path, method=method):
                statuses = set(operation["responses"]) - {"default"}
                not_modified = {"304"} if endpoint.conditional and endpoint.method == "GET" else set()
                self.assertEqual(statuses, {str(endpoint.status), *map(str, endpoint.documented_errors), *not_modified})
                self.assertEqual(operation["operationId"], f"{operation['x-odoo-model']}.{endpoint.action}")

    def test_fields_sizes_and_reports_are_the_models(self):
        spec = build_openapi(SERVER, [partner_doc(files=PARTNER_FILES)], version=VERSION)
        item = spec["paths"]["/api/res.partner/{id}/{field}"]
        download, upload = item["get"], item["put"]
        field = parameter(download, "field")
        self.assertEqual(field["schema"], {"type": "string", "enum": list(IMAGES)})
        self.assertEqual(field["example"], "avatar_128")  # always holds an image (a placeholder at worst)
        self.assertEqual(parameter(download, "size")["schema"], {"type": "integer", "enum": [128, 1920]})
        self.assertEqual(parameter(upload, "field")["schema"]["enum"], ["image_1920"])
        # bytes for code generators first (openapi-python-client refuses a lone */*), then what may come
        content = download["responses"]["200"]["content"]
        self.assertEqual(list(content), [OCTET_STREAM, "image/*"])
        self.assertEqual(list(upload["requestBody"]["content"]), [OCTET_STREAM])
        report = spec["paths"]["/api/res.partner/{id}/report/{report}"]["get"]
        self.assertEqual(parameter(report, "report")["schema"]["enum"], list(PARTNER_FILES.reports))
        self.assertEqual(list(report["responses"]["200"]["content"]), ["application/pdf", "text/html"])
        ids = parameter(report, "ids")["schema"]["pattern"]
        self.assertIn("[1-9]", ids)  # never 0, a 400
        self.assertIn("/api/res.partner/reports", spec["paths"])

    def test_other_binary_fields_may_be_any_type_and_have_no_size(self):
        files = FileDoc(downloads=("datas", "raw"), uploads=("raw",))
        spec = build_openapi(SERVER, [partner_doc(files=files)], version=VERSION)
        validate(spec)
        download = spec["paths"]["/api/res.partner/{id}/{field}"]["get"]
        self.assertEqual(list(download["responses"]["200"]["content"]), [OCTET_STREAM, "*/*"])
        self.assertEqual([p.get("name") for p in download["parameters"] if p.get("name")], ["field"])
        self.assertEqual(parameter(download, "field")["example"], "datas")

    def test_only_what_the_model_offers_and_the_key_may_do(self):
        # read only: downloads, listings and reports, no upload nor attaching
        spec = build_openapi(SERVER, [partner_doc({"read"}, files=PARTNER_FILES)], version=VERSION)
        actions = {operation["x-odoo-action"] for operation in operations_of(spec).values()}
        self.assertLessEqual({"download", "attachments", "reports", "report"}, actions)
        self.assertFalse({"upload", "attach"} & actions)
        # no binary field, no report, no ir.attachment in the key's scope: none of them
        spec = build_openapi(SERVER, [partner_doc(files=FileDoc())], version=VERSION)
        actions = {operation["x-odoo-action"] for operation in operations_of(spec).values()}
        self.assertFalse({"download", "upload", "attachments", "attach", "reports", "report"} & actions)
        # listing but not creating attachments
        spec = build_openapi(SERVER, [partner_doc(files=FileDoc(attachments=frozenset({"read"})))], version=VERSION)
        self.assertEqual(set(spec["paths"]["/api/res.partner/{id}/attachments"]), {"get"})
        # read-only binary fields: downloads only
        files = FileDoc(downloads=("avatar_128",), images=frozenset({"avatar_128"}))
        spec = build_openapi(SERVER, [partner_doc(OPERATIONS, files=files)], version=VERSION)
        self.assertEqual(set(spec["paths"]["/api/res.partner/{id}/{field}"]), {"get"})


class TestModelFileRequests(BaseCase):
    def setUp(self):
        super().setUp()
        spec = build_openapi(SERVER, [partner_doc(files=PARTNER_FILES)], version=VERSION)
        folder = next(item for item in build_postman(spec)["item"] if item["name"] == "res.partner")
        self.requests = {item["name"]: item for item in folder["item"]}

    def test_the_record_is_deleted_after_its_files_and_reports(self):
        names = list(self.requests)
        self.assertEqual(names[-3:-1], ["Delete a record", "Delete many records"])
        self.assertEqual(names[-1], "Changes since a token")
        self.assertLess(names.index("Upload a file"), names.index("Delete a record"))

    def test_the_folder_has_them_with_usable_values(self):
        download = self.requests["Download a file"]
        self.assertIn({"key": "field", "value": "avatar_128"}, download["request"]["url"]["variable"])
        self.assertEqual(download["request"]["url"]["path"], ["api", "res.partner", ":id", ":field"])
        # the record the folder found may hold no file in that field: 404 passes too, as a problem
        (test,) = [event["script"]["exec"] for event in download["event"] if event["listen"] == "test"]
        self.assertIn("    pm.expect(pm.response.code).to.be.oneOf([200, 404]);", test)
        upload = self.requests["Upload a file"]["request"]
        self.assertEqual(upload["body"], {"mode": "file", "file": {"src": ""}})
        self.assertIn({"key": "id", "value": "{{res_partner_created_id}}"}, upload["url"]["variable"])
        report = self.requests["Print a report"]["request"]
        self.assertIn({"key": "report", "value": "base.partner_card"}, report["url"]["variable"])
        attach = self.requests["Attach files"]["request"]
        self.assertEqual(attach["body"]["formdata"], [{"key": "file", "type": "file", "src": []}])
        self.assertIn("List reports", self.requests)
        self.assertIn("List attachments", self.requests)
