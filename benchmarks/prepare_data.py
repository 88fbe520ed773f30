"""Fill the benchmark database and issue its keys; run by `odoo shell` (benchmarks/run.py).

`odoo shell` executes this file with `env`, a superuser environment. The volume
comes from the environment (BENCH_PARTNERS, BENCH_PRODUCTS); the data are
generated from a fixed seed, so every run measures the same data, and only
once per database (a reused database keeps them). The keys are issued anew on
every run. Prints one line ``BENCH_SETUP {json}`` with what the load needs.
"""

import json
import os
import random

COMPANY_SHARE = 10  # one partner in ten is a company, the others are its contacts
BATCH = 1000
CITIES = ["Brussels", "Antwerp", "Ghent", "Liège", "Namur", "Lyon", "Lille", "Porto", "Leuven", "Mons"]
STREETS = ["Rue de la Loi", "Avenue Louise", "Chaussée de Namur", "Grand-Place", "Rue Neuve", "Meir"]
FIRST_NAMES = ["Anna", "Bruno", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo", "Inès", "Jonas", "Lena", "Marc"]
LAST_NAMES = ["Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Martin", "Claes", "Wouters", "Simon", "Laurent"]
NATIVE_KEY_NAME = "benchmark (native)"
REST_KEY_NAMES = ("benchmark, no rate limit", "benchmark, rate limited")

env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))  # noqa: F821
rng = random.Random(20241007)


def fill(partner_count, product_count):
    country_ids = env["res.country"].search([]).ids

    def address():
        return {
            "street": f"{rng.choice(STREETS)} {rng.randint(1, 250)}",
            "zip": str(rng.randint(1000, 9999)),
            "city": rng.choice(CITIES),
            "country_id": rng.choice(country_ids),
        }

    def phone():
        return f"+32 {rng.randint(400, 499)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"

    company_count = max(1, partner_count // COMPANY_SHARE)
    companies = env["res.partner"]
    for start in range(0, company_count, BATCH):
        companies |= env["res.partner"].create(
            [
                {"name": f"Company {n:05d}", "is_company": True, "email": f"info@company{n:05d}.example",
                 "phone": phone(), **address()}
                for n in range(start, min(start + BATCH, company_count))
            ]
        )  # fmt: skip
    for start in range(0, partner_count - company_count, BATCH):
        contacts = []
        for n in range(start, min(start + BATCH, partner_count - company_count)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            company = companies[n % len(companies)]
            contacts.append(
                {"name": f"{first} {last} {n:05d}", "parent_id": company.id, "type": "contact",
                 "email": f"{first.lower()}.{last.lower()}{n}@company{company.id}.example", "phone": phone()}
            )  # fmt: skip
        env["res.partner"].create(contacts)
        env.cr.commit()

    categories = env["product.category"].create([{"name": f"Bench category {n}"} for n in range(10)])
    for start in range(0, product_count, BATCH):
        env["product.product"].create(
            [
                {"name": f"Product {n:05d}", "default_code": f"BENCH-{n:05d}", "type": "consu",
                 "list_price": round(rng.uniform(1, 500), 2), "standard_price": round(rng.uniform(1, 300), 2),
                 "categ_id": categories[n % len(categories)].id}
                for n in range(start, min(start + BATCH, product_count))
            ]
        )  # fmt: skip
        env.cr.commit()


def issue_keys(admin):
    """A native key for /jsonrpc and, once the REST addons provide them, REST keys with and without a rate limit."""
    env["res.users.apikeys"].search([("name", "=", NATIVE_KEY_NAME)]).unlink()
    keys = {"native_key": env["res.users.apikeys"].with_user(admin)._generate(None, NATIVE_KEY_NAME, None)}
    if "rest.api.key" not in env:
        return {**keys, "rest_key": None, "rest_key_throttled": None}
    rest_keys = env["rest.api.key"]
    rest_keys.with_context(active_test=False).search([("name", "in", REST_KEY_NAMES)]).unlink()
    common = {"user_id": admin.id, "scope_mode": "all", "expiration_date": False}
    keys["rest_key"] = rest_keys.generate_api_key({**common, "name": REST_KEY_NAMES[0], "rate_limit": 0})["key"]
    # A limit far above what two workers can serve: every request pays for the
    # throttle, none is refused.
    keys["rest_key_throttled"] = rest_keys.generate_api_key(
        {**common, "name": REST_KEY_NAMES[1], "rate_limit": 1_000_000, "rate_period": 60, "rate_burst": 1000}
    )["key"]
    return keys


if not env["res.partner"].search_count([("name", "=", "Company 00000")]):
    fill(int(os.environ["BENCH_PARTNERS"]), int(os.environ["BENCH_PRODUCTS"]))
admin = env.ref("base.user_admin")
partner_ids = env["res.partner"].search([], order="id").ids
setup = {
    "uid": admin.id,
    "partners": len(partner_ids),
    "products": env["product.product"].search_count([]),
    "read_ids": random.Random(7).sample(partner_ids, min(500, len(partner_ids))),
    **issue_keys(admin),
}
env.cr.commit()
print("BENCH_SETUP " + json.dumps(setup), flush=True)
