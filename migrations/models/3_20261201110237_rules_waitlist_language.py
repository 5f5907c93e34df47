"""Weekly rules (`rules`, and `prebookings.rule_id` with one prebooking per rule and day),
the waiting list and watching a full class (`prebookings.waitlist`, `watch_if_full`,
`watch_checks`, `cancelled_at`; status WATCHING), and the user's language (`users.language`,
`box_language`). aerich generates SQL for one dialect; this migration carries both. SQLite
cannot add a foreign-key constraint to an existing table, so there the column carries it."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
        CREATE TABLE IF NOT EXISTS "rules" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "box_id" VARCHAR(32) NOT NULL,
    "weekdays" VARCHAR(20) NOT NULL,
    "time" VARCHAR(5) NOT NULL,
    "class_name" VARCHAR(100) NOT NULL,
    "family_id" VARCHAR(64),
    "waitlist" INT NOT NULL,
    "watch_if_full" INT NOT NULL,
    "skip_dates" JSON NOT NULL,
    "starts_on" DATE,
    "ends_on" DATE,
    "paused" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "user_id" CHAR(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_rules_user_id_a931a5" ON "rules" ("user_id", "created_at");
        ALTER TABLE "users" ADD "box_language" VARCHAR(2) /* ES: es\nCA: ca\nEN: en */;
        ALTER TABLE "users" ADD "language" VARCHAR(2) /* ES: es\nCA: ca\nEN: en */;
        ALTER TABLE "prebookings" ADD "watch_checks" INT NOT NULL DEFAULT 0;
        ALTER TABLE "prebookings" ADD "cancelled_at" TIMESTAMP;
        ALTER TABLE "prebookings" ADD "rule_id" CHAR(36) REFERENCES "rules" ("id") ON DELETE SET NULL;
        ALTER TABLE "prebookings" ADD "waitlist" INT NOT NULL DEFAULT 0;
        ALTER TABLE "prebookings" ADD "watch_if_full" INT NOT NULL DEFAULT 0;
        CREATE UNIQUE INDEX IF NOT EXISTS "uid_prebookings_rule_id_810231" ON "prebookings" ("rule_id", "day");"""

POSTGRES = """
        CREATE TABLE IF NOT EXISTS "rules" (
    "id" UUID NOT NULL PRIMARY KEY,
    "box_id" VARCHAR(32) NOT NULL,
    "weekdays" VARCHAR(20) NOT NULL,
    "time" VARCHAR(5) NOT NULL,
    "class_name" VARCHAR(100) NOT NULL,
    "family_id" VARCHAR(64),
    "waitlist" BOOL NOT NULL,
    "watch_if_full" BOOL NOT NULL,
    "skip_dates" JSONB NOT NULL,
    "starts_on" DATE,
    "ends_on" DATE,
    "paused" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_rules_user_id_a931a5" ON "rules" ("user_id", "created_at");
        ALTER TABLE "users" ADD "language" VARCHAR(2);
        ALTER TABLE "users" ADD "box_language" VARCHAR(2);
        ALTER TABLE "prebookings" ADD "watch_checks" INT NOT NULL DEFAULT 0;
        ALTER TABLE "prebookings" ADD "watch_if_full" BOOL NOT NULL DEFAULT False;
        ALTER TABLE "prebookings" ADD "cancelled_at" TIMESTAMPTZ;
        ALTER TABLE "prebookings" ADD "rule_id" UUID;
        ALTER TABLE "prebookings" ADD "waitlist" BOOL NOT NULL DEFAULT False;
        ALTER TABLE "prebookings" ALTER COLUMN "watch_checks" DROP DEFAULT;
        ALTER TABLE "prebookings" ALTER COLUMN "watch_if_full" DROP DEFAULT;
        ALTER TABLE "prebookings" ALTER COLUMN "waitlist" DROP DEFAULT;
        COMMENT ON COLUMN "prebookings"."status" IS 'PENDING: PENDING\nEXECUTING: EXECUTING\nWATCHING: WATCHING\nCOMPLETED: COMPLETED\nFAILED: FAILED\nCANCELLED: CANCELLED';
        COMMENT ON COLUMN users."language" IS 'ES: es\nCA: ca\nEN: en';
COMMENT ON COLUMN users."box_language" IS 'ES: es\nCA: ca\nEN: en';
        ALTER TABLE "prebookings" ADD CONSTRAINT "fk_prebooki_rules_c2c002fd" FOREIGN KEY ("rule_id") REFERENCES "rules" ("id") ON DELETE SET NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS "uid_prebookings_rule_id_810231" ON "prebookings" ("rule_id", "day");"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "uid_prebookings_rule_id_810231";
        ALTER TABLE "prebookings" DROP CONSTRAINT IF EXISTS "fk_prebooki_rules_c2c002fd";
        ALTER TABLE "users" DROP COLUMN "language";
        ALTER TABLE "users" DROP COLUMN "box_language";
        ALTER TABLE "prebookings" DROP COLUMN "watch_checks";
        ALTER TABLE "prebookings" DROP COLUMN "watch_if_full";
        ALTER TABLE "prebookings" DROP COLUMN "cancelled_at";
        ALTER TABLE "prebookings" DROP COLUMN "rule_id";
        ALTER TABLE "prebookings" DROP COLUMN "waitlist";
        COMMENT ON COLUMN "prebookings"."status" IS 'PENDING: PENDING\nEXECUTING: EXECUTING\nCOMPLETED: COMPLETED\nFAILED: FAILED\nCANCELLED: CANCELLED';
        DROP TABLE IF EXISTS "rules";"""


MODELS_STATE = (
    "eJztXWtzmzoa/isaf2pn2mzqXJrN7uyM49DW5zh2JnF6uqfpEBlkWzUWFEQTn7P97ythsE"
    "GAA8Q4mOhLgiW9Ap5Xl/cq/m7MTB0Zzl4LzybQ1pHd0jTTJbRxCv5uEDhD7CK1zRvQgJa1"
    "asELKBwaHhEMWqtw0dyrhkOH2lDj/Y+g4SBWpCNHs7FFsUk4XdtGOiIUs1oAiQ4c5DisCm"
    "imOcWIldkIONRkrQAimj23KLt65T+iX8La732GrkFf7/Gb6qbG7orJuKT+XYJ/uEil5hjR"
    "CbLZXb5+Y8WY6OgBOcFPa6qOMDL0CLRY5x145SqdW17ZzU3n/IPXkj/7UNVMw52RVWtrTi"
    "cmWTZ3XazvcRpeN0YE2ZA9cghg4hqGz5WgaPHErIDaLlo+qr4q0NGIvx/v/98jl2j8lYF3"
    "J/7n8D/+o4WaqWqvP1CvlYGqNmJc5Y8gMMIv0kzCRwTm44MB82vR7woQr7ThMe5T6+rVwf"
    "FrDwLToWPbq/TgavzyCCGFC1IP9BXKaAaxEQe6zQZoMtBLAgFr9qhFUA4KVjCvBn8AYABR"
    "CaA2ZvBBNRAZ0wn7edDcX4Py59bVAujmvoe0yWbrYkL3/Krmoo4jvkLYgo5zb9q6ymZIHO"
    "gBeqDJQIt0tcB7DbwD5cuA9zxznB9GGNVXF60vHuCzuV/T7fc+Bs1DXGh3+2cC+NScIpIX"
    "+QhRIdj9peKlom6jEVuBJmoh9BOJJRcKj/0HCzM8VUjjTDhn2FE8Q2unQYRe4IPud7AXXN"
    "SLK50L5XrQuriMsOa8NVB4TTPClqD01bGwNyw7AX90Bp8A/wn+7PcUca9ethv82eDPBF1q"
    "qsS8V6EexiQoDooiHB+xF0W2xd43gdnpW7pAVoe5Ft3Xj7Js60fpu/pRbFP3RWNVmyBtiv"
    "QCsyu5Bzm/qjy/HAqp6yRPLYW4M4/THfb6kGgozvEl9fZEuUarPeh8VnLqJD7VKVj8vyXd"
    "/sdOT/3Q6nSV81MQ/iUqkVmmYyYpe42QHZexDehQFdm2aeeRNKJUdVj2ti1iaDbi2BRY/q"
    "KUG1j2qqbpMDkW6n1izP1RsiProD+g1y6DrqUX5HqUUnK9KlxP2P38pw9x3UG2ms8oFyLZ"
    "rmXueZbYR8xw3NI5moascLxgCLXpPbR1NVKzQn1ocjtpDPMzn+zD71fIgN47xEEWjdNn5s"
    "MOTqlfwagKSoPByeEzm2YibHzkxVHrEzQw2Z+YnJYM3I3fyS6OzxhcrNiG90s7e3husjdn"
    "74voQpZtXbdb50rjV2R0RnHmVbPmTCyBBI699+VPxp8jaQCu8574AzSL52Q5Lx51m6Qjl+"
    "Cc+NqAKw8OuwdH6NtTPBYdkiJ8Ji6LvgYeHnA+7yo73tjDsn9vm+8O3x+eHBwfnrAm3mMu"
    "S96vWTI7vcEjDgqfCTFg080ZK4pamMxFF0UmD8UaB0XMlOEOdXPGbpcH4whRDWF+t59FR2"
    "WtUoH26qJIe/9zgBy0ryG+zaOjLDaAo6N0IwCvEwzeTGf4yyS5MA7TbNEso7i2aaF/XEDd"
    "xsFDlQz58WEGxI8PUwHnVVG879krchViFmyYGbe+GN3ju2D1TS+b2Qdj4LLXy2XLF8jqYN"
    "SKDuOTDKP4JHUQn4hj2Bf3ciq2UapN6rbVULY2od3GMI4D/MG0ER6T39E8o0aWFGe1mwg/"
    "qp9Fh1gGFS1mWojrbJtR5zy1OEGNC9TldPWN65wlKG0yoqxKEWVMNfiOtFybVohkMzLY82"
    "rE5Uu6Mmqv7Kg9A5Kxy9a/os7eMH2FhbCGcn0KkHNL2q1ToMFbovTYb1LIq5tlmKcPcpEB"
    "3IrzVCaIfUhGFGCE9PGm476b3r40H28hB5VloyHPDyDjJ7qpLpcd7eBISHVSRcJiXeOpvr"
    "wr1kVd4SEmxSOseQg8EaZeqKs6wZVLrQsp4GLCUTq6gYs0h1s5uy5eMcPSWphzKMShlStB"
    "LY6ua+nKsbCQbtqvafsrhw7nMY/m16W/PLRlszZfQzGLpoWIFwX+TerXz6tf714Q6qXSO+"
    "/0PubEOSA7Bf4FE4q/KO2bgVe2vLwlf7QG7U9eYXDFxOj+xWVXGfBw1eXlLQkiWBf/ubDd"
    "aytdr2h5WUTkfnecxVsoinMhZ+Fxkvoj3d4lur05XIVc3zHCGsJdivubA1fERSvS1RDvzf"
    "tmNQM6Ts4VJEwjQc4Mct6wjihVhW1SVbJ4L0AL7ET5oA6o6gf15rdFrh7EAOZmvmSA/ebr"
    "bHs7uG6sAZXb5gTIRnCGjXnOtTZCVL+Bufm1dql/Jo7OdCN0mK6GJugdMTknJJjE84ruIa"
    "YGdpKsU6ZpIEhSQp5CZAKHh4yuLKYuS7bL1bN+vxth6FlHTNS7uThTmHTucZI1wouokYQQ"
    "M0i1iYpH6og9RG7QBVqJfG7kvdTvBEtOeuCkQFYobrIQ5Ptl7RobjprUuNHLMIq5KwVamY"
    "tf5c1CR7prqVOUIK6mS10Roo1IXXWPNJLe/3T06+X9lxnedeZ6wpoac8BrBmQ8KTTXI5Ry"
    "46wOk+Nze4TtQjwO00kOV5nDkDj3qBiTBVLJ5yrz2WCoE+Q46ixBifxgmDD13KMIncDkES"
    "esFWPP+zdnXQVcXintznWn34ty0quMKuxXSqsr5olRimYWzaOth0mkpi5q6qZLNTOfNydE"
    "Uj+LeRkRDuZU5fE+CSCnDtookUzMjQ9cP0gvd3ROmKp+w3fzDh/vYD51xvapxAyQ9GP9Yo"
    "R1QHud3FLKEc6QiSKeMJgH+iiVxD0/7j/Y2utMgtGbc5FJJK4DF4TotGaWQwBYq/TotGbs"
    "IAAeZcbVGnWCoJ406tcHqAmk9QN98wv8mEPGdCIc5BlkFFFidFJKiUspHkgO/iuP7Behka"
    "CmgWpxC3BenTtOKtXuDGo3z1rJeTZLiOQJySW7A/OjqSRVPMJ1Z+Fcc8xN8pmjuc+4KXrq"
    "aDUgffq5o+L03wCkGbNmqznnH0U0tOBFEGX3B72bbve5zgnyUE9IiAy4kZ4KuUyULvWcoO"
    "SsR5nd+KzZjTLvrWSr8D1CUx3OUxJIU+IOQzQ1BHnz3yPJm6fypAyVaoObJSYtPSItJQ/o"
    "GVKuqo1yKQmbMrElDnQJp+jKrAeZ9fAikHem2PIM5QnCx2/X/V4y5lEqMSIJaxT8DwQToZ"
    "TTK1ZS9dDFBsXE2eP3ew7BmqO03uUkepcECZx3ILqcmPZsU0dNssGnJ35GiJ6Y/lmxBT9f"
    "9iciel7sQiQvGTkLMv07QbZYuwKviOTSm2PplWkc6fLdbgb0yzSOl8j1LGkc0ssjvTzP7Z"
    "PI93W5Sh0tW02Z6olngeZ03ZwjA/9E9nxgThFpJPhwog3erHPm6H5TlfK22dw6jcEEgbvv"
    "FN8BcwQQ1CaAdYHZ0+vg7sbywtzeXrMJB6lro7s3YIosClxCsQEoI/VuBdCDhdm83msIQG"
    "+291tyS3iHftQdwDrADiAmBZr5k+fSgOHcI3OCHk/BPWbD1KWsGDtvAAQatHiFDgKwGK1r"
    "MEp0SxxEKIBjxnr2CDqyWXOC7lcPerG479uOfgcg0YHtEoCpA76bwwWZ9/4b/mzGGR6/lC"
    "8b/rPZPDh439w/OD45Onz//uhkfxlGFK9aF0901vnIBfOIWPD49w/ZMM1jfvWb1+4zGqXE"
    "fPpTuIB8HKXcjnxcka8cV1wcXmhBMQHueUIgLm1TY8sz0oP9MmkvjTdau59aQXPV3yzwFm"
    "Ilcm0OL2VnKO2bt8Wi/zcQ9l8xmMvfAZiQlGt3XTSXDuRsDuSU5MPsJ5Vv+7OsV0pb6Xz2"
    "zwDPcVJ5QHcKgqtbcs62s1PA/96SK2Vw9d/WWVfhDfxL8TRyUUvJxLWNnzse3VMyrutRou"
    "3lOr+r9PouHtnPANPzpGMIVDIhIw6sjmjih/DSMxRXFHWITdl6VijSEJvpRTwKAql0KVRF"
    "h5KOpJfI9TRHUkUU58gHvBJ0ZvEDX+nqcuyrYjKn4KXlFEzZ++XR8oL2NVTzNp9PQDFNyt"
    "FaF+vuE9QQ3lKOYB2aesIht+kibtC+FvhuW8Jd+ZxzhlDECGXysairyQObt2DRlJF+6ejv"
    "pqieRUFDM4iLnXofpZQHflZHH0vhsuqdb5ZHIBDIpOErv1ggYyplTOUOx1SWeswDQ7qLZ5"
    "h+wrSRdNxDuP7N2mMf+BlJBm+qTjDNGCnYJwh43x9HOvBP3P0XwBQ41LScRQ0DH7zioXEz"
    "OAdDBBbQ6a9Ze3C3iuS5iwcKbrrzLAakoatNkYdUKMjoG/8Yd/i3jNarZLTeinlZNZwVRS"
    "309S1EFexW1F5VduedEHYr4n1oIRtrk6TNzK9Zu43BVRsZkrfl5b+0kLyfyHYSjylNX9lD"
    "JDVc2ksxdfNJlQNhv3kN0S1l42R3pIgk7Jrphy+ESLZ/8sLzbJQbO2PhWTezX/8Hb1Ertw"
    "=="
)
