# Odoo test addons: they import odoo and run inside Odoo (setup/test.sh, the
# ecosystem step), never under the database-free pytest run.
collect_ignore_glob = ["*"]
