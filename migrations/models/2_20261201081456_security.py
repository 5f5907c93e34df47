"""Security: the signature token ids already used by deliveries (a replayed signature is
refused whatever message id it carries), and rate-limit hits counted in the database (limits
hold across workers and instances). aerich generates SQL for one dialect; this migration
carries both."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
        CREATE TABLE IF NOT EXISTS "delivery_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "jti" VARCHAR(128) NOT NULL UNIQUE,
    "expires_at" TIMESTAMP NOT NULL
) /* The `jti` of each verified `Upstash-Signature`, kept until the token expires. */;
CREATE INDEX IF NOT EXISTS "idx_delivery_to_expires_5f170e" ON "delivery_tokens" ("expires_at");
        CREATE TABLE IF NOT EXISTS "rate_limit_hits" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "bucket" VARCHAR(100) NOT NULL,
    "expires_at" TIMESTAMP NOT NULL
) /* One counted attempt; it stops counting (and may be deleted) at `expires_at`. */;
CREATE INDEX IF NOT EXISTS "idx_rate_limit__bucket_751a58" ON "rate_limit_hits" ("bucket", "expires_at");
CREATE INDEX IF NOT EXISTS "idx_rate_limit__expires_f807b4" ON "rate_limit_hits" ("expires_at");"""

POSTGRES = """
        CREATE TABLE IF NOT EXISTS "delivery_tokens" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "jti" VARCHAR(128) NOT NULL UNIQUE,
    "expires_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_delivery_to_expires_5f170e" ON "delivery_tokens" ("expires_at");
COMMENT ON TABLE "delivery_tokens" IS 'The `jti` of each verified `Upstash-Signature`, kept until the token expires.';
        CREATE TABLE IF NOT EXISTS "rate_limit_hits" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "bucket" VARCHAR(100) NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_rate_limit__bucket_751a58" ON "rate_limit_hits" ("bucket", "expires_at");
CREATE INDEX IF NOT EXISTS "idx_rate_limit__expires_f807b4" ON "rate_limit_hits" ("expires_at");
COMMENT ON TABLE "rate_limit_hits" IS 'One counted attempt; it stops counting (and may be deleted) at `expires_at`.';"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "rate_limit_hits";
        DROP TABLE IF EXISTS "delivery_tokens";"""


MODELS_STATE = (
    "eJztXWtz2joa/isaPqUzaTYl183Z2RlCnJY9BDIJ6XZP03GELUDFllxbbsI5m/9+JGODr8"
    "R2MDGuvyQg6ZXl55X0XiX+auhURZq118L6BJoqMluKQm3CGmfgrwaBOuIfEtvsggY0jGUL"
    "UcDgUHOIoNdahvPmTjUcWsyEiuh/BDUL8SIVWYqJDYYpEXRtE6mIMMxrASQqsJBl8SqgUD"
    "rFiJeZCFiM8lYAEcWcGYx/2nGH6Jbw9nufoa2xd3vioSpV+FMxGRfUv03wDxvJjI4RmyCT"
    "P+XrN16MiYqekOV9NabyCCNNDUCLVdGBUy6zmeGU3d11Li6dlmLsQ1mhmq2TZWtjxiaULJ"
    "rbNlb3BI2oGyOCTMiH7AOY2JrmcsUrmo+YFzDTRouhqssCFY3E+4n+/zWyiSJeGThPEn8O"
    "/+0OzddMlnv9gXwrDWS5EeGqGEKIEW6RQomYEVjMDw7M87zfJSBOacNh3KfWzc7B8TsHAm"
    "qxselUOnA1nh1CyOCc1AF9iTLSIdaiQLf5BI0HekEQwpoPNQ/KXsES5uXk9wD0ICoA1IYO"
    "n2QNkTGb8K8Hzf0VKH9u3cyBbu47SFO+WucLuudWNed1AvElwga0rEdqqjJfIVGgB+iJxQ"
    "MdpqsE3ivgHUhfBqJn3bJ+aH5Ud65aXxzA9Zlb0+33PnrNfVxod/vnIfAZnSKSFfkAUS7Y"
    "3a3iV0XdRCO+A03kXOjHEtdcyD33nwzM8ZQhizLhgmPHsI5WLoMAfYgPqtvBnvehWlzpXE"
    "m3g9bVdYA1F62BJGqaAbZ4pTvHIdmw6AT8tzP4BMRX8Ee/J4Vl9aLd4I+GGBO0GZUJfZSh"
    "6sfEK/aKAhwf8RdFpsHfN4bZySI9RFaFtRaU60dpxPpRslQ/igh1VzWWlQlSpkjNsbrie6"
    "jXV5nXl8Ugs634pSURW3c43eGvD4mCohxfUG9OlWu02oPOZymjTeJSnYH5/3vS7X/s9OTL"
    "VqcrXZwB/7ewEZlmOabSslco2VEdW4MWk5FpUjOLphGkqsK2t2kVQzGRwCbH9hekXMO2Vz"
    "ZLh+uxUO0TbebOki3ZB90JvXIbtA01J9eDlDXXy8L1GOnnjt7HdQuZcjannI9ks565t9li"
    "X3DDCU/naOrzwomCIVSmj9BU5UDNEvUhFX7SCObnLtnl7zdIg847REEOO6fP6dMWLqlnb1"
    "Z5pd7kFPDRJo2FTcy8KGp9ggaU/4noafHA3bmdbOP8jMDFi034uPCz+9cmf3P+vojNddnW"
    "bbt1ITWeA7MziLOo0pt6uAQSOHbeV4xMjCNuAq6KnrgTNE3kZLEuXgybJCMXE5z42oDLCA"
    "5/hkDo22siFh2SoHzGbouuBe6fcC7vSjvf+GD5v/fND4cnh6cHx4envIkzzEXJyYots9Mb"
    "vBCgcJkQATbZnbGkqITLPByiSBWhWBGgiLgy7KFKdf64LBgHiCoI84f9NDYqb5UItFMXRN"
    "r5nwFkr30F8W0eHaXxARwdJTsBRF3I4c1thj8pyYSxn2aDbhnJNqmB/nEFVRN7gyoY8uPD"
    "FIgfHyYCLqqCeD/yVxQmhO4JzJSiL0L3shQsv+tlPXIwAi5/vUy+/BBZFZxawWl8mmIWny"
    "ZO4tPwHHbVvYyGbZBqnbZtOYytdVi3EYyjAF9SE+Ex+R3NUlpkcXlW24nwi/ZZcIqlMNEi"
    "roWozbYec84xi2PMOM9cTjbfhM1ZgNFWZ5SVKaOMmwbfkZJJaPlI1qODva1FXLymW2ftFZ"
    "21V0e2ktHfzhhHUmQrl1veMNFQZEWT8Sud89eLjrZwJiS65gNeD8rwCCsODq8Eq+frqkpw"
    "ZdLWfHp1+BxBMrpe5CNDtCi9il0ye3ElzBn0XN/SjNF2gws3WecN7RSFar5fF3EvnxDibb"
    "76co+ogYiTzfmt1pPfVk/evmSya6l30el9zIizR3YG3A/3RPoite8GTtni4z1p96+uu9JA"
    "pJgtPt4TL+ts/p+3avXaUtcpWnxs5FAbPxyn8fCHlRGfg/84rDPWoaqCQ1UCrlzhqghhBe"
    "EuJGQlgMsTVgnTVRDv9cdTFA1aVsYdxE9Tg5wa5Kyh2CBV9aIqhXip5qB5Xo5sUHtU1YN6"
    "/WJRhbN4J1U8wG7zVZ6pLdw3VoAqPEshyEZQx9os414bIKrexFz/XruwNWNnZ7IL1U9XQQ"
    "fqljhMUx2JUpFqG/IUxexAyQspQLSWhVT1gE8djkhGv1rhiPqgTZW5nuagDVeAOU9yrfUA"
    "ZX2WuDxMjq7tETZz8dhPV3O4zByGxHpE+ZgcIq35XGY+axx1gixL1mOiOZcahYnHzwN0IS"
    "aPBGGlGHvRvzvvSuD6Rmp3bjv9XpCTTqUo4gV4nud4I7W64XRdxpBusBigE7PN/SS5Es1z"
    "qT77Rek9a04zpzZTaDYHnY+kek6QIoJWdCqLcG0MyImTNkhUn4+ITlw3qSJzwNVPVb3pu3"
    "4fnnM/iqxzOQXHMTM4+XaVCGEV0N70BSviSMBcGcwCfZCqxj077j/43mtNvNmbcZOJJa4C"
    "F0IJB800Z7F4q+SEg2bkPJZIHBBmjTxBUI2b9atzDkKk1QN9/Rv8WEDGbSLs5YWmVFEidL"
    "WWEtVSHJAs/GcW3S9AU4OaBKohPMBZbe4oaW12pzC7y3P3U3lxzn8+Nv6yosyHY/NeV1QO"
    "SNd8YdHGTsNeIA3/ROZsIG5LbsQcFAg22F11VkB1m87vvk75qxCDCQIP3xl+AHQEEFQmgH"
    "eB+ehV8HBnOKro+1s+kSCzTfSwC6bIYMAmDGuAcVLnUcC95Tn6mxBr7f2e3BPRoasZA6wC"
    "bAFCGVDoT+HvBsOZQ2Z5PZ6BR8znus14MbZ2AQQKNESFCjywOK2tcUp0TyxEGIBjPon4EL"
    "gKyJsT9Lgc6NX8ue876oPzAxemTQBmFvhOh3OyIn6z4hyPf5VLoP7ZbB4cnDT3D45Pjw5P"
    "To5O9xeiPlq1Suafdz4KsR/QYV++KopP0yz2gtu8cieOC7HL8l8jv/YL5FMIsJJcCLkVoa"
    "wM51+LlKPXJlX49oxUT17GydJoo5Xy1PCay66wwEXcGfga4fCrSIbCrgfM56Fbg2uuZDAX"
    "LwG4kpRJus6bV/BMSiEHrRIChOkPg276BrsbqS11PrtHLzMcBvXozoD36Z5ccHF2BsTfe3"
    "IjDW7+1zrvSqKB+zF8CDRspaTi2tqPewZlSsp9PUi0uXyED6Xe38OnojlgahaXaYiqdppG"
    "gVURi70zKDmKuKSoQhhl45FbpCC+0vNk/4VI6+ztsthQdc7+r8j1pJz9khjOgUuRYmzm8K"
    "VJyeZy5KamN7ispr6U5k0vpZny98ti5XntK2jmrT8TlGGmZbyc3CWoILyFHJMcUjXmIGqy"
    "iuu1rwS+m9ZwlzebZUwNiBC+Yp/eHivjxV25PlS9YY9mfag6Gf3tVNXTGGjOVci5uB6krA"
    "/llcceS+By9p+EDZHVjq/sakGdK1jnCta5grGumhuOdBfrmH3CrBHjqgnU765y1QieyZpo"
    "Kk8wS5kp2CcIOHc6IxW4p2J/A5gBi1HDmtdw8MGOSI3T4QwMEZhDp77j7cHDMpPnIZoouO"
    "7O0ziQhrYyRQ5SviSjb+K+Y//3OluvlNl6S+alPuCzoKiEvb6BrILtytori3TeCmW3JNGH"
    "FjKxMokTZm7NSjEGl23qlLwNb/+FpeT9RKYVe5QweWf3kVRway/E1S0WVQaE3eYVRLcQwc"
    "mfyFDcD6r857bfS/AJLknC4hIrDPwfaNja4h8sjANXgLHafxB2FYSEn+jgPM7g3aQwe/4b"
    "2GKyHA=="
)
