"""Code for {{ cookiecutter.project_name | replace('\\', '') | replace('"', "'") }}."""
