"""``octoup create``: scaffold a cookiecutter-data-science project, or adopt a folder into one."""
