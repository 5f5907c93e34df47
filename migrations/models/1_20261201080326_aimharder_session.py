"""AimHarder's real session: a stable device fingerprint, when the session was last confirmed,
and the box's raw answer on each prebooking.

Sessions stored before this migration came from an invented login shape that the real AimHarder
never answered; they are dropped here and re-established (a full login with the stored password)
the first time each account is used.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_DROP_OLD_SESSIONS = """
        UPDATE "aimharder_accounts" SET "token_enc" = NULL, "refresh_token_enc" = NULL,
            "token_expires_at" = NULL;"""

SQLITE = """
        ALTER TABLE "aimharder_accounts" ADD "fingerprint" VARCHAR(50);
        ALTER TABLE "aimharder_accounts" ADD "session_checked_at" TIMESTAMP;
        ALTER TABLE "prebookings" ADD "raw_answer" TEXT;""" + _DROP_OLD_SESSIONS

POSTGRES = """
        ALTER TABLE "aimharder_accounts" ADD "fingerprint" VARCHAR(50);
        ALTER TABLE "aimharder_accounts" ADD "session_checked_at" TIMESTAMPTZ;
        ALTER TABLE "prebookings" ADD "raw_answer" TEXT;""" + _DROP_OLD_SESSIONS


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "prebookings" DROP COLUMN "raw_answer";
        ALTER TABLE "aimharder_accounts" DROP COLUMN "fingerprint";
        ALTER TABLE "aimharder_accounts" DROP COLUMN "session_checked_at";"""


MODELS_STATE = (
    "eJztXWtzo7Ya/iuMP21n9qS73iTNZDqdcWyy9WliZxJnz55udhgZZJsaJBZEE7cn//1IGG"
    "wQwkEsOJjyJcGSHgzPq8t7k/x3x8YGtLyjnmkvgGtAt6fr2Eekc6783UHAhvQis81bpQMc"
    "Z9uCFRAwtQIQiFprYN08qAZTj7hAZ/efAcuDtMiAnu6aDjExYri+Cw2IiElrFYAMxYOeR6"
    "sUHeOlCWmZCxWPYNpKgUh3Vw6hV2/CRwxLaPujT8C3yA9H7EsNrNNvNdG8ovv7yPzmQ43g"
    "OSQL6NJv+fKVFpvIgE/Qiz46S21mQstIUGsa7AZBuUZWTlB2fz8cXAYt2bNPNR1bvo22rZ"
    "0VWWC0ae77pnHEMKxuDhF0AX3kGMHIt6xQKlHR+olpAXF9uHlUY1tgwBl7P3b/n2c+0tkr"
    "K8E3sT/Hv4SPFmumaaPxRLtTJ5rWSUmVPQIniLBIx4j1CJP1D0rM8/q+W0KC0k4guF97t2"
    "8+nP4QUIA9MneDyoCuznMABASsoQHpW5ahDUwrTXSfdlAx0RsAxzV91CIsRwVbmredPyIw"
    "oqgCUjs2eNIsiOZkQT9+6L7bwfKn3u2a6O67gGlMR+t6QI/Cqu66jjG+ZdgBnveIXUOjIy"
    "RN9AQ+ETHRPK4RfO+gd6J+nrA72573zYqz+ua69zkg3F6FNVfj0ceoeUwK/avxBUc+wUuI"
    "ZJlPgArRHk4V/1TWXTijM9BCK8S+ENxKoXDff3JMyqcGSFoIA8odMW24cxgk8JwcjPAGR9"
    "FFs6QyvFbvJr3rm4RoBr2Jymq6CbFEpW9OubVhcxPlP8PJrwr7qPw+Hqn8Wr1pN/m9w54J"
    "+ARrCD9qwIhzEhVHRQmJz+iLQteh7ysQdvaSzsGaMNaS6/pJnmX9JHtVP0kt6qFqrOkLqC"
    "+hUWB0ie/Qjq86jy+PAOJ74qGlIt8OJD2krw+QDtMS36D3p8p1ev3J8JMqaZOEqHNl/f8B"
    "XY0/DkfaZW94pQ7Olfgn3ojMMxxzadk7lOy0jm0Bj2jQdbEro2kkUU2Y9vatYuguZNwUmP"
    "6SyBKmvbpZOlSPBcYYWauwlxzIPBh26J3ToO8YBaWeRLZSr4vUBatf+PQxqXvQ1eSccjHI"
    "fj1zrzPFvuCGY57O2TLmhWMFU6AvH4FraImaLetTzPykKc4vQtjlb7fQAsE7pEnmndMX+O"
    "kAh9Rz1Kui0qhzMvpwFwtpYz0vzdoYwQmmf1J6mpi4+/Amh9g/U3TRYhc8bvzs8bFJ35y+"
    "LyRrXbZ31+8N1M5zoncmeWZVdtfmSwAC8+B92ZOx5xB1wF3Rk7CD5omcbMbFi2GTbOYEwY"
    "kvHbCN4NDvYAx9/Z6IxRBlKJ/CaTG0wOMdLpRdbfsbfVj671/d98c/HZ99OD0+o02Cx9yU"
    "/LRjyhyOJi8EKEIhpIjNdmdsEY1wmfMhilwRih0BipQrw58a2KZfJ8NxAtRAmt+/y2Oj0l"
    "aZRAd1SaaD/xIkR+0byG/35CSPD+DkJNsJwOo4hze1Gf7CSIrjOGaPbhnVd7EDf7wGhmtG"
    "D1Ux5afHORg/Pc4knFUl+X6kr8hMCDtaMHMufSncy6tg/V0v5ayDKXLp60n58jlYE5xayW"
    "58lqMXn2V24jO+D4fqnqRhm0SVadvWw9gqw7pNcZwm+BK70Jyj3+Aqp0UmyrM6TIZftM+S"
    "XSyHiZZyLaRttnLMucAsFphxkbmcbb4xm7MCo63NKKtTRhk1Df6AutSiFYOUo4O9rkVcva"
    "bbZu1VnbXXRray2T/MGEdWZKuQW95x4ZRlRaP5dzrnbzY3OsCekOmaT3g9MDFnph7w8J1k"
    "jWK3ahJdUtpaTK/m9xFksxtFPiSiRflV7JrZiztpltBzY0NToO0mB262zsvNFJVqvl82ca"
    "/YIkTbfInlHmEHoiCb82urJ7+unnx4yWQ36mgwHH2U5DmCnSvhxQNSP6v9+0lQtrl8QP3x"
    "9c2VOmEpZpvLBxRlna3/01a9UV+9Coo2l50CauP70zwefl4ZiTn4T3mdsQ1VVRyqYnQVCl"
    "elgA2ku5KQFSOuSFiFxzWQ7/LjKboFPE9yBoljWpJzkywbik2imhdVqcRLtSYt8nLIUR2h"
    "mkd1+cuiAVZiJ5WY4LD5Ls/UAc4bO0hlniWOshmwTWslOdcmQM3rmOXPtRtbU9g7s12ocV"
    "wDHagH4jDNtSXKgIbvaEsomIGyB1ICVMpAanrApw1HZLPfrHBEu9GmyVLPs9GGKsBUJoXG"
    "egLZ7iWuj5DTY3tmuoVkHMe1Eq6zhAHyHmExIXPQVs51lrNFWUfQ8zRbEM25tDDI3H6ewH"
    "FCnjFgowQ7GN9fXKnKza3aH94Nx6OkJINKVkQLzHWe463au+LTdQmBtkMERGdmm8chhRLN"
    "C6k+76rSe0pOM8c+0bGcgy4GaZ4TpIqgFV5qLFwrIDmz0yZB7f6IdMcNkyqkA65xVPO6b/"
    "k+vOB8FM2m6xSYC3pw9ukqKWAT2N73AStsS8BaGZShPolqeZfn/Rude71F1HslJxkhuAlS"
    "4BIOunn2YtFW2QkH3dR+LJY4wMwabQGBIer1u3MOOGjzSC9/gp8zyqhNZEZ5oTlVlBSu1V"
    "LSWkpAkmf+JaP7JTAtqVmkOswDLGtzp6Gt2Z3D7K7P2U/15bn4/ljxYUXSm2OLHldUD0pL"
    "PrBob7thb1ysU0UPGgNomX9Cd9URbhbgG73dvWcgbM5ek7U3qzjrqD3W6BWPNSpmWZRgUt"
    "SM5uotij/wVIbisHkDc2krSRDPcGzm38Sy75N3qBqkDj+FW0YkNrFEuHMlunpAg/FIPVfY"
    "3wd0q05u/9ujyhRrEF7ym1c6RaRW+jaV5JqSc15PgvYXR3lf6/md381FCTNkTD0O1Rp7aW"
    "INSIRnHWR7P7eIJrh/9u5xhjqkI71I1gIHbbPO6pLG0OYa/hOlnpVrKHHgRZWGc+IwB4HN"
    "zB/2kG0up06YeIVN9u1m+lfdTL+k7ydj5UXtG2jmlZ/BQkxiSR6qGgIaSG8l2zum2BBsoM"
    "lWcaP2jeB33xru9kQWyZBGCvgd8/ThWBkvzsrtZrA9ezTbzWDZ7B+mqp7HQAuOcCwk9SSy"
    "3UxQH3ssQ8ryP2XHwVrHl7xa0OY4tDkObY6D+AecoGvqi47ASRPWvN35o03bNm3+wt4UoY"
    "rzF/6ErifMF81W9GOQRtite/ALsEElwXDYvIHsVpK7QL+RQNGpuf++G48yDKgthNejTZ0o"
    "/1Ms0zvgX6UQkcvI2K1s8XoVpxywG1zI/f5l+YvZ8/8Bfc4krg=="
)
