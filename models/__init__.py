"""Tortoise models; import them from their modules (models.users, models.prebookings, ...)."""
