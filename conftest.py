"""pytest configuration shared by the addon tests and the live tests."""

import logging


class _SpuriousTestImportWarning(logging.Filter):
    """pytest-odoo imports ``odoo.tests`` before it turns Odoo's test mode on,
    which makes Odoo 18 log a misleading ERROR with a stack; drop just that record."""

    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_SpuriousTestImportWarning())
