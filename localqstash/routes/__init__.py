"""HTTP routes of the QStash REST API v2 subset."""
