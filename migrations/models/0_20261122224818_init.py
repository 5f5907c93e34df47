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
    "eJztXG1zmzgQ/isMn9KZXi5xkzSTubkZxyat7xw74zi5XpMOI4Ns04DkgrjE18t/PwmDDe"
    "IlQMHBlC8JlvSAeHaRdlcrfRcNrELd2m9rxhyYKjTbioJtRMQz4buIgAHpRWybt4IIFotN"
    "C1ZAwER3QMBrLYNVc6caTCxiAoXdfwp0C9IiFVqKqS2IhhHDdUyoQkQ0WisApAoWtCxaJS"
    "gYP2iQlplQsAimrQSIFHO5IPRqz+2iW0Lb798CWydv9tlDVazQp2poVtL9baR9s6FM8AyS"
    "OTTpU+6+0GINqfAJWt7PxYM81aCuBqjVVHYDp1wmy4VTdnPT6144LVnfJ7KCddtAm9aLJZ"
    "ljtG5u25q6zzCsbgYRNAHtso9gZOu6KxWvaNVjWkBMG667qm4KVDhl78fu/9vURgp7ZcF5"
    "Evtz9LvbNV8zWR4Mx/K1NJZlMSRV1gVOEG6RghHTCI3pByXmeXXfDSFOqegI7mN7tPfu5I"
    "1DAbbIzHQqHbrEZwcICFhBHdI3LEMDaHqY6A5V0Gii1wCOa9rVPCx7BRuaN8rvEehRVAKp"
    "ogGeZB2iGZnTn+9aBwks37ZHK6JbBw7TmH6tqw964Fa1VnWM8Q3DC2BZj9hUZfqFhIkewy"
    "cSTTSPqwXfCfSOpU9jdmfDsr7pflb3LtufHMKNpVvTHw4+eM19Uuj0h+cc+QQ/QJSV+QAo"
    "F+3uUPGzsm7CKR2B5nIu9iPBjRRy6/7TQqN8yoCEhdCl3BHNgImfQQDPyUF1b7DvXdRLKr"
    "1L6XrcvrwKiKbbHkusphUQi1e6d8LNDeubCH/1xh8F9lP4PBxI/Fy9bjf+LLI+AZtgGeFH"
    "Gah+TrxiryggcYsAYlvRs7mEbMORc4++PkAKDMl7g97eVCO2O+PerZTRZnJRZ8Lq/z3qDz"
    "/0BvJFu9eXumeC/xdv5KYxA1JZAQlGQNgG0IFFZGia2MwyEgZRzRCYfQhUTMi4yTH4BZEF"
    "DHtVs8ToPAvUIdKXrpbsyDjoKnTiMGgv1JxSDyIbqVdF6hGzn9t7n9QtaMrZggY+yHYjB6"
    "8zxL4QJmCRmOmDL0rACiZAeXgE1AsN1GxYn2AWxwlxfu7CLv4cQR047xAmmQ+eneOnHfyk"
    "nj2t8ko95WT04RaOpI1pXpi1IYJjTP+E7LRo4m7cm+yifoboosUmeFzHAf3fJn1z+r6QrG"
    "zZ9nWn3ZXE54B2BnlmVUbL4EsAAjPnfVnPWD+iFDApuusqaJrI7vq7eDGsG89cRPD0TgSb"
    "CDN9BmPoy49EVHsoxviMHBa11YP9CufKrrL6RjtL//3SOjx6f3T67uTolDZxurkueZ8wZP"
    "YG4xcCqK4QQsTGR1A3iFqE9PgQaqoIakIAlfedLHuiYoM+LgvHAVANaT48SOOj0laxRDt1"
    "Qaad/xlI9trXkN/W8XGaGMDxcXwQgNVxATnqM/yLUSaO/ZgthmUk28QL+OslUE3N61TJlJ"
    "8cpWD85CiWcFYV5PuRviJzIQxvwkw59YVwL8+C1Q+9FDMPhsilrxdBbbw+c7A6BLWCanya"
    "QotPY5X4lNdh19zL6NgGUUX6ttVwtorwbkMchwm+wCbUZuhPuEzpkUXlgewmwy/6Z0EVS+"
    "GihUILYZ+tGHfOcYsj3DjPXY5335jPWYLT1mS8VCnjhboGX6GSadLyQYqxwV7XIy7f0m2y"
    "isrOKmpWtuLZ3801jriVrVxh+YUJJyxrE81+MDh/tb7RDmpChtB8gvnhMxT5xN14br1Qfo"
    "blj/Q2Y8UcoESaMxhuPl2LMN+CmhhvxHGqX6opd7deyPGNqrTNnS+ZBi8gctKnvjSG3+sa"
    "fruXHXUlDbq9wYeMPHuwM8G9uEfSJ6lzM3bK1pf3qDO8vOpLY5Yztb68R14a1eo/bdUedK"
    "S+U7S+FHPYQYcnaULW/Ozqi1if8EZQs/ZS8toLoyvX+ksIWEO6S1mDYcTlWSfgcTXku/gF"
    "AkUHlpVxBPFjGpJTk5x1bTGIqt8yQSlhlxVpntuejWoPVT+qi58WVbCMjrpEE+w2Twq17O"
    "C4kUAqC5VwlE2BoenLjGNtAFQ/xSx+rF37mpHaGR8T9ONqGBHckQhgqj0+KlTthfwAI0ag"
    "+A8pACrkQ6r7CkYTX49nv17x9WbnSJ2lnmbnCDWAqUxyfesBZLM5tjpCDn/bU83MJWM/rp"
    "FwlSUMkPUI8wmZgzZyrrKcdco6gpYlGxGrORc6BrH7qQM4TshTBqyVYLvDm/O+JFyNpE7v"
    "ujccBCXpVLIiWqCtEvdGUrvP558SAo0FiSA6Nn3aD8mVOZ3L9Dkoy+4pOG8a20TB2QJ0Pk"
    "j9giBlLFrhB5kt10aQHKu0QVCT8B9WXDepIvOCqx9VP/UtPobnHPghG3SeArMIDY4/LiQE"
    "rAPb2z4x5BsdA6y5x2JGZY8E10EK3MJ3K80mF9oqfuG7FdrowhawmXktzyFQozbHJ699c9"
    "D6kV78QFOdAzOqO8bk31QUfcJD5h1Fec94qAalBZ/ysLUtRFcmVuggDtUu1LV/oLkUIxNS"
    "+UZvk/NS3ebsNVl7rYwDIpqzIF7xLIh8VkMB5kLFaC7fWviKJ1kodpvXMF+rlCTEGOc5fa"
    "L0to8rGEkdqXfrpiVnSJT2cGeCd3WPusOBdCawv/doJI1Hf7fP+xJr4F7yCdJiHqkVngod"
    "nFNSjutB0PZidYeVHt/5HQOUMDVLKIlDNbGkMLEqJJEbROODGxtEHVy7bUc1TKhA+qXnWR"
    "njoE1mQ1WWypp8lp9R6nH5LBl2CZfpOLepNaHMxahDFFc1bxOPT9y0aZzi3Zrb451iamBa"
    "7gbotO6aD1JDl62UfFX2UWVg2G1eQ3ZLcYjpEwmM2u7/x/VwEJMauIHws6emEOE/QdesHT"
    "4fKopcRkay6cpbqdzcx25wnu0k6uIns+f/AacJNtI="
)
