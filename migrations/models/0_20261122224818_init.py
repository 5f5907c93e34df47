"""Initial schema. aerich generates SQL for one dialect; this migration carries both."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "subject" VARCHAR(255) NOT NULL UNIQUE,
    "email" VARCHAR(320) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "aimharder_accounts" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL,
    "password_enc" TEXT NOT NULL,
    "token_enc" TEXT,
    "refresh_token_enc" TEXT,
    "token_expires_at" TIMESTAMP,
    "status" VARCHAR(20) NOT NULL /* ACTIVE: ACTIVE\nLOGIN_FAILED: LOGIN_FAILED */,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "user_id" CHAR(36) NOT NULL UNIQUE REFERENCES "users" ("id") ON DELETE CASCADE
) /* Credentials and session cookies are stored encrypted (models.encryption.Vault). */;
CREATE TABLE IF NOT EXISTS "aimharder_boxes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "box_id" VARCHAR(32) NOT NULL,
    "subdomain" VARCHAR(100) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "timezone" VARCHAR(64) NOT NULL,
    "window_amount" INT,
    "window_unit" VARCHAR(8),
    "account_id" CHAR(36) NOT NULL REFERENCES "aimharder_accounts" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_aimharder_b_account_cbd194" UNIQUE ("account_id", "box_id")
);
CREATE TABLE IF NOT EXISTS "prebookings" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "status" VARCHAR(16) NOT NULL /* PENDING: PENDING\nEXECUTING: EXECUTING\nCOMPLETED: COMPLETED\nFAILED: FAILED\nCANCELLED: CANCELLED */,
    "box_id" VARCHAR(32) NOT NULL,
    "box_subdomain" VARCHAR(100) NOT NULL,
    "box_timezone" VARCHAR(64) NOT NULL,
    "class_id" VARCHAR(64) NOT NULL,
    "class_name" VARCHAR(255),
    "class_time" VARCHAR(32),
    "day" DATE NOT NULL,
    "family_id" VARCHAR(64),
    "opens_at" TIMESTAMP NOT NULL,
    "dedup_key" VARCHAR(255) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "claimed_at" TIMESTAMP,
    "fired_at" TIMESTAMP,
    "answered_at" TIMESTAMP,
    "lateness_ms" REAL,
    "attempts" INT NOT NULL,
    "outcome" VARCHAR(32),
    "book_state" INT,
    "booking_id" VARCHAR(64),
    "error_message" TEXT,
    "qstash_message_id" VARCHAR(128),
    "box_date_header" VARCHAR(64),
    "user_id" CHAR(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_prebookings_user_id_f0f119" ON "prebookings" ("user_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_prebookings_status_8b68d1" ON "prebookings" ("status", "opens_at");
CREATE TABLE IF NOT EXISTS "processed_deliveries" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "message_id" VARCHAR(128) NOT NULL UNIQUE,
    "job" VARCHAR(100) NOT NULL,
    "state" VARCHAR(16) NOT NULL /* RECEIVED: RECEIVED\nDONE: DONE\nRETRYABLE: RETRYABLE\nFAILED: FAILED */,
    "deliveries" INT NOT NULL,
    "status_code" INT,
    "detail" TEXT,
    "received_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "notifications" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "kind" VARCHAR(32) NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "body" TEXT NOT NULL,
    "prebooking_id" CHAR(36),
    "dedup_key" VARCHAR(128) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "emailed_at" TIMESTAMP,
    "email_error" TEXT,
    "user_id" CHAR(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_notificatio_user_id_8d780e" ON "notifications" ("user_id", "created_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""

POSTGRES = """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" UUID NOT NULL PRIMARY KEY,
    "subject" VARCHAR(255) NOT NULL UNIQUE,
    "email" VARCHAR(320) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "aimharder_accounts" (
    "id" UUID NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL,
    "password_enc" TEXT NOT NULL,
    "token_enc" TEXT,
    "refresh_token_enc" TEXT,
    "token_expires_at" TIMESTAMPTZ,
    "status" VARCHAR(20) NOT NULL,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID NOT NULL UNIQUE REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "aimharder_accounts"."status" IS 'ACTIVE: ACTIVE\nLOGIN_FAILED: LOGIN_FAILED';
COMMENT ON TABLE "aimharder_accounts" IS 'Credentials and session cookies are stored encrypted (models.encryption.Vault).';
CREATE TABLE IF NOT EXISTS "aimharder_boxes" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "box_id" VARCHAR(32) NOT NULL,
    "subdomain" VARCHAR(100) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "timezone" VARCHAR(64) NOT NULL,
    "window_amount" INT,
    "window_unit" VARCHAR(8),
    "account_id" UUID NOT NULL REFERENCES "aimharder_accounts" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_aimharder_b_account_cbd194" UNIQUE ("account_id", "box_id")
);
CREATE TABLE IF NOT EXISTS "prebookings" (
    "id" UUID NOT NULL PRIMARY KEY,
    "status" VARCHAR(16) NOT NULL,
    "box_id" VARCHAR(32) NOT NULL,
    "box_subdomain" VARCHAR(100) NOT NULL,
    "box_timezone" VARCHAR(64) NOT NULL,
    "class_id" VARCHAR(64) NOT NULL,
    "class_name" VARCHAR(255),
    "class_time" VARCHAR(32),
    "day" DATE NOT NULL,
    "family_id" VARCHAR(64),
    "opens_at" TIMESTAMPTZ NOT NULL,
    "dedup_key" VARCHAR(255) UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "claimed_at" TIMESTAMPTZ,
    "fired_at" TIMESTAMPTZ,
    "answered_at" TIMESTAMPTZ,
    "lateness_ms" DOUBLE PRECISION,
    "attempts" INT NOT NULL,
    "outcome" VARCHAR(32),
    "book_state" INT,
    "booking_id" VARCHAR(64),
    "error_message" TEXT,
    "qstash_message_id" VARCHAR(128),
    "box_date_header" VARCHAR(64),
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_prebookings_user_id_f0f119" ON "prebookings" ("user_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_prebookings_status_8b68d1" ON "prebookings" ("status", "opens_at");
COMMENT ON COLUMN "prebookings"."status" IS 'PENDING: PENDING\nEXECUTING: EXECUTING\nCOMPLETED: COMPLETED\nFAILED: FAILED\nCANCELLED: CANCELLED';
CREATE TABLE IF NOT EXISTS "processed_deliveries" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "message_id" VARCHAR(128) NOT NULL UNIQUE,
    "job" VARCHAR(100) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "deliveries" INT NOT NULL,
    "status_code" INT,
    "detail" TEXT,
    "received_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "processed_deliveries"."state" IS 'RECEIVED: RECEIVED\nDONE: DONE\nRETRYABLE: RETRYABLE\nFAILED: FAILED';
CREATE TABLE IF NOT EXISTS "notifications" (
    "id" UUID NOT NULL PRIMARY KEY,
    "kind" VARCHAR(32) NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "body" TEXT NOT NULL,
    "prebooking_id" UUID,
    "dedup_key" VARCHAR(128) UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "emailed_at" TIMESTAMPTZ,
    "email_error" TEXT,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_notificatio_user_id_8d780e" ON "notifications" ("user_id", "created_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW9vmzgY/yoorzZp1+uyrquq00lpQrfc0qRq091u64QccFJWsDMwa3O7fvezCSRgTI"
    "oZpITxJiG2HzC/57H9/LPzo2VjA1ruXse0b4BjQKej69hDpHWs/GghYEN6kdrmhdIC8/m6"
    "BSsgYGL5RCBsrYFlc78aTFziAJ3dfwosF9IiA7q6Y86JiRGj6zrQgIiYtFYByFBc6Lq0St"
    "ExvjUhLXOg4hJMWykQ6c5iTujVs6CLQQltv/cBeBZ5vsceamCdPtVEs5Lu7yHzmwc1gmeQ"
    "3ECHPuXzF1psIgPeQzf8Ob/Vpia0jBi0psFu4JdrZDH3y66u+r1TvyXr+0TTseXZaN16vi"
    "A3GK2ae55p7DEaVjeDCDqAdjkCMPIsK+BKWLTsMS0gjgdXXTXWBQacsvdj9/9j6iGdvbLi"
    "P4l9HPwZdC3STNOGo7F2qY41rZXgKusCx4igSMeISYTJ5IMC87C87xoQv7TlM+5d5+LZq8"
    "PnPgTYJTPHr/Thaj34hICAJakP+hplaAPTSgLdpQIqBnpFwGFNu5oH5bBgDfNa+EMAQ4hK"
    "ALVlg3vNgmhGbujPV+39DSh/6FwsgW7v+0hjOlqXA3oYVLWXdQzxNcJz4Lp32DE0OkKSQI"
    "/hPREDzdPVAu8N8I7Vj2N2Z9t1v1lRVJ+ddT76gNuLoGYwGr4Nm0e40B2MTjjwCb6FSBb5"
    "GFEu2IOp4ldF3YFTOgPdaLnQFxI3XMgt+/dzk+KpAZJkQo9iR0wbbhwGMXqOD0Zwg73wol"
    "5c6Z+pl+PO2XmMNb3OWGU17RhbwtJnh9zasLqJ8nd//E5hP5VPo6HKr9WrduNPLdYn4BGs"
    "IXynASOKSVgcFsU47hJAPFe8mqvIs30+9+nrA6TDBL/X1Ntbalqd7rj/QZXUmQKqY2X5fY"
    "0Go7f9oXba6Q/U3rES/cUruVnUgExawAYlIKkDWMAlGnQc7MjMhHGqZgqUnwJ1BzJsckx+"
    "ccoCpr2qaWJ0nQXGCFmLQEp2ZB4MBHrjNOjNjZxcj1M2XK8K1wWrX9D7CNdd6GhyToMIyX"
    "Y9B08zxT7iJmCemOltxEvACiZAv70D1AqN1axRn2Dmx0lgfhKQnb6/gBbw3yEJMu88O8H3"
    "OzikHkKpCktD4WTw4TYWwsYkL4naCMExph8JPU0M3FVwk12UzwRctNgBdys/YHRs0jen7w"
    "vJUpftXHY7PbX1EJPOOM6sym7bfAlAYOa/L+sZ64dIADd5dwMBzeLZXY2LR9266cgJnKef"
    "W2DtYabPYAh9+RmPah+lKJ/CadFcPjgqcAHvKitvtLP067f2y4M3B0evDg+OaBO/m6uSNx"
    "umzP5w/IgDNWBCAth0D+qaohYuPd6FmsmDusGByttOrjcxsE0fJ4NxjKiGML/cz2Kj0lap"
    "QPt1caT9bwmQw/Y1xLf9+nUWH8Dr1+lOAFbHOeSozfAvRlIYR2m26JZRPQfP4e9nwHDMsF"
    "MlQ354kAHxw4NUwFlVHO87+orMhLDDBTPj0pege3wVrL7rpZh1MAEufT0BtOnyzJHVwakV"
    "F+OjDFJ8lCrER7wMB+qepGEbpyrStq2GsVWEdZvAOAnwKXagOUPv4SKjRSbKA9lNhB+1z+"
    "IilsFES7gWkjZbMeacbxYLzLjQXE4335jNWYLR1mS8VCnjhZoGX6EutWhFSIrRwZ7WIi5f"
    "022yisrOKmoiW+no72aMIy2ylcstP3fghGVtotlPOufPVzfaQUlIdc3HvB6YmFNT93H4Sb"
    "CGkVvVCS4pbS2iV/N5zunohpEPiWhRdhW7YvbiRpgl9NzI0BRou/GBm67zcjNFqZrv51Xc"
    "K7II0TafI7lHeA6Rn232pdGTn1ZP3r1ksnN12OsP30riHJIdK8HFNVI/qt2rsV+2urxG3d"
    "HZ+UAdsxSz1eU1CrPOlt+0VWfYVQd+0eqylUNtfHmYxcPPKyMRB/8hrzM2oaqSQ1UMrlzh"
    "qgRhDeEuJWTFgMsTVuHpaoh38fEU3QKuKzmDRGkakDODLBuKjVPVL6pSipdqCVro5ZCDOq"
    "SqH9TFL4sGWIidVGKAg+abPFM7OG9sAJV5ljjIpsA2rYXkXBsjqp9gFj/XrmxNoXSmu1Cj"
    "dDV0oO6IwzTTligDGt5cu4WCGSh9IMWIChlIdQ/4NOGIdPTrFY5oNtrUmetZNtpQBZjyJN"
    "dYj1E2e4mrw+Tk2J6aTi4eR+kaDleZwwC5dzAfkznShs9V5rNFUUfQdTVbEM05tTBI3X4e"
    "o+OYPGWEtWJsb3R1MlCV8wu127/sj4ZxTvqVrIgWmMs8xwu1M+DTdQmB9pwIgE7NNo+S5E"
    "o0z6X67Jel9xScZo49omM5B12EpH5OkDKCVvhWY+FaAcipQhsnavZHJAU3SKqQDrhGqeon"
    "vsX78PzzUTSbrlNgJpDg9NNVEoR1QHvbB6x8o3OAexOiKCnsQuI6cIELfLez7AmirdID3+"
    "3EviAWwGbqtXYDgSE6S2Bz7JsjrR/oxU801TlfpLpzTP49WOIDMaQ3YOU9EqMakBZ8KMbW"
    "dlydO1inkzg0etAyv0Nn0RImpPKNXmzOSw2as9dk7c0yztNojs54wqMz8mkNBagLFYO5fG"
    "3hK57IQBw0r2G+VilJiCnGc/ZE6W2f7nChdtX+hyAtWSJROqQ7VsKra9QbDdVjhX1eowt1"
    "fPFP52SgsgbBJZ8g3crDtcJToeNrSsZ5PU60PV/dy0rP7/yOAQqYIeNK4qgaX1ISWAMS4X"
    "7adOfGmqIOpt22vRoO1CEd6XkiYxxpk9lQlVBZk8/yK3I9LZ9FYlN1mYZzbMOwwGbmNxSn"
    "m8uJXcxPsJGz2bD5pBs2b+n7yVh5YfsamnnFR0mJSSzJg/sCghrCW0oK8QQbgiTtdBU3bF"
    "8LfLet4a53/UuGNBKEPzFP746V8eis3Gw42LJHs9lwkI7+bqrqWQw0/5iwXFyPUzYJq9Wx"
    "x1K4LP93SRxZ4/iSVwuaHIcmx6HJcRD/SQh0TP2mJXDSBDUvNv4xyLpNk7+wNUWo5PyF79"
    "BxA8dcVkU/QlILu3ULfgE2qCQQDprXEN1SchfoEwkUncz41+VomGJArUl4PdrUifKfYpnu"
    "Dp98LgKXgbFZ2eL1Kk45YDc4kfuPteIXs4f/Abe5RhI="
)
