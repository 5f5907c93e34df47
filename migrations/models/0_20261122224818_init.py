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
    "gate_position" INT,
    "gate_size" INT,
    "gate_spread_ms" REAL,
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
    "gate_position" INT,
    "gate_size" INT,
    "gate_spread_ms" DOUBLE PRECISION,
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
    "eJztXW1zm7gW/iuMP3VnerOtm6aZzM7OODbp+m5iZxKnt3ebDiOD7LAByQWxiXc3/30lDD"
    "YIyUEUHMzyxcaSHhDP0cs5R0fyXx0XW9DxD3q2ewc8C3o908QBIp0T7a8OAi6kF9Iyr7UO"
    "WCw2JVgCAVMnBIG4tAFWxcNsMPWJB0x2/xlwfEiTLOibnr0gNkYM1/egBRGxaa4GkKX50P"
    "dplmZifG9DmuZBzSeYltIgMr3lgtCrV1EVoxRa/uATCBzywwF7qIVN+lQbzSu6f4DsbwE0"
    "CJ5Dcgc9+pQvX2myjSz4CP345+LemNnQsVLU2ha7QZhukOUiTLu5GQ7OwpKs7lPDxE7gok"
    "3pxZLcYbQuHgS2dcAwLG8OEfQArXKCYBQ4TiSVOGlVY5pAvACuq2ptEiw4Y+/H7v/TLEAm"
    "e2UtfBL7OPw5qlqimGGMxhPjWp8YRicjVVYFThBRkokRaxE2ax+UmKfVfTeEhKmdUHC/9K"
    "5evTv6IaQA+2TuhZkhXZ2nEAgIWEFD0jcsQxfYTpboPm2gYqLXAI5rWtUiLMcJG5o3jT8m"
    "MKaoAlI7Lng0HIjm5I7+fNd9s4XlT72rFdHdNyHTmPbWVYceRVndVR5jfMPwAvj+A/Ysg/"
    "aQLNET+EjERPO4RvC9hd6J/nnC7uz6/jcnyeqri97nkHB3GeWcj0cf4+IJKfTPx6cc+QTf"
    "Q6TKfApUiPZoqPi3su7BGR2B7oxC7AvBrRQKt/3HhU35NADJCmFAuSO2C7d2gxSek4MV3e"
    "AgvmiWVIYX+vWkd3GZEs2gN9FZTjclljj11RE3N6xvov1vOPlFYz+138YjnZ+r1+Umv3VY"
    "nUBAsIHwgwGsJCdxcpyUkrhPAAl88Wyuo8AN5Tykrw+QCTPy3qB3N9V0ev3J8JOuqDNFqB"
    "Nt9X2LzscfhyPjrDc81wcnWvIXr+TmUQNyaQFblICsDuAAnxjQ87CnMhKmUe0QqD4Emh5k"
    "3BQY/NLIEoa9umlidJ4F1hg5y6iV7Mk4GDXorcNgsLAKSj2NbKVeF6kLZr+o9gmp+9Az1J"
    "wGCchuPQcvM8Q+4yZgnpjZfcJLwBKmwLx/ANQKTeVsWJ9i5sfJcH4awc5+vYIOCN8hSzLv"
    "PDvFj3vYpZ7iVhWnxo2T0Ye7WEgba3lZ1sYITjD9yOhpYuJuopvsY/vM0EWTPfCw9gMm+y"
    "Z9c/q+kKx02d51vzfQO0+p1pnmmWW5XZdPAQjMw/dlNWP1EDXAbd7dqIHm8eyu+8Wzbl05"
    "cwLn6ZcO2HiY6TMYQ1+/x6M6RBLlUzgs2qsHJxtcJLvatjdaWfr1n+7bww+Hx++ODo9pkb"
    "Ca65QPW4bM4WjyjAM1EkKGWLkHdYNohEuPd6Hm8qBucaDytpMfTC3s0sepcJwCNZDmt2/y"
    "2Ki0lJToMC/NdPitQHJcvoH8dt+/z+MDeP9e7gRgeZxDjtoMf2KkxHESs0O3jB54eAF/vA"
    "CWZ8eVqpjyo8McjB8dSglnWWm+H+grMhPCjSfMnFNfBvf8LFh/10s582CGXPp6Amrl7ZmD"
    "NcGplW7Gxzla8bG0ER/zbThS9xQN2zSqTNu2HsZWGdZthuMswWfYg/Yc/QqXOS0yURzIfj"
    "L8rH2WbmI5TLSMayFrs5VjzoVmscCMi81lufnGbM4KjLY24qVOES/UNPgdmkqTVgJSjg72"
    "shZx9ZpuG1VUdVRRu7IlZ38/1zhkK1uF3PILD05Z1Caaf6dz/nJ9oz1sCVLXfMrrgYk9s8"
    "2Qh+8ka5S4VZPoUtLWEno1H+csZzde+VBYLcqvYtfMXtxKs4Kem+iaAm033XHlOi83UlSq"
    "+X5Zr3slJiFa5ksi9ggvIAqjzb62evLL6sn7F0x2qY8Gw9FHRZ5j2IkWXdwi/bPev5mEae"
    "vLW9QfX1ye6xMWYra+vEVx1Nnqm5bqjfr6eZi0vuwUUBvfHuXx8PPKSMLBf8TrjO1SVcVL"
    "VYyuQstVGWAD6a5kyYoRV2RZhcc1kO/y11NMB/i+4giSxLQk5yZZdSk2jWreqkolXqoVab"
    "GXQ43qGNU8qsufFi2wFDupxARHxbd5pvZw3NhCKvMscZTNgGs7S8WxNgVqXsMsf6xd25rC"
    "1il3oSZxDXSg7onDNNeWKAtawcK4h4IRSN6RUqBSOlLTF3za5Qg5+81ajmg32jRZ6nk22l"
    "AFmMqkUF9PIdu9xPURcrZvz2yvkIyTuFbCdZYwQP4DLCZkDtrKuc5ydijrCPq+4QpWc84c"
    "DKTbz1M4TsgzBmyUYAfjm9NzXbu80vvD6+F4lJZkmMmSaIK9inO80nvnfLguIdBdEAHR0m"
    "jzJKRQoHkh1edNVXpPyWHmOCAmVnPQJSDNc4JUsWiF7w22XCsgWdpo06B2f0S24UZBFcoL"
    "rklU85pv+T688HwUw6XzFJgLWrD8dJUMsAls7/qAlW90DPDvYhYVG7sQ3AQpcAvf3Tx7gm"
    "gp+cJ3N7MviC1gM/XauIPAEp0lsH3tm4M2j/TyB5o5o4zq5nYcn5hzqszg2tkyO1uGJPn2"
    "nyo6SArTkiojdcE8kaq2Xxbamn85zL/6nEFUX56L79MUH5qjvEmz6LE59aC05INzdrYr89"
    "LDJlX0oDWAjv0H9JYdYdA6X+j19tj1qDh7TVberuLMnfZ4nRc8XqeYZVGCSVEzmqu3KH7H"
    "UxWKo+INjOmsJFBZ4mDLv5li1yfAUDVIH36Kti4obKaIcSdafHWLBuORfqKxz1t0pU+u/t"
    "+jyhQrEF3ymyg6RaRW+naJ9JySc1xPg3bnz39b6/Gd31VECbNUTD0O1Rp7WWItSIR77uUO"
    "0A2iCe6fXXs+PWhC2tOLrJ5z0Db6qS7L6W3M279R6rKYN4WDF6o0nFOHCghsZv7QAbm5nD"
    "np4AU2e7ebul90U/c9fT8VKy8u30Azr/xICmITR/FwzwjQQHor2WYwxZZgI4dcxY3LN4Lf"
    "XWu4m5NBFJc0MsDvGKf3x8p4dlRuNyXt2KPZbkqSs7+fqnoeAy08SrCQ1NPINqi9PvaYRM"
    "rqf6nGwVrHl7pa0MY4tDEObYyD+I+EoGebdx2BkybKeb31z4M2Zdr4hZ0pQhXHL/wBPV8Y"
    "LypX9BOQRtitO/ALsE6lwHBUvIHsVhK7QJ9IoOj01v9ej0cSA2oD4fVo2yTa35pj+3v87w"
    "gichkZ25UtXq/ilAN2g1O1/2EsfzJ7+gcbOpeQ"
)
