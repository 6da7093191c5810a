"""Run cookiecutter on a template and turn its failures into errors that name the file and variable."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path
from typing import Any

from octoup.errors import OctoupError


class TemplateError(OctoupError):
    """The template could not be found, read or rendered."""


def render(template: str, output_dir: Path, *, extra: dict[str, Any], no_input: bool,
           checkout: str | None = None, directory: str | None = None) -> Path:
    """Render ``template`` (a folder, git URL or zip) into ``output_dir``; the project folder made."""
    import jinja2
    from cookiecutter import exceptions as cx

    if not logging.getLogger().isEnabledFor(logging.DEBUG):  # its errors are re-raised below, once
        logging.getLogger("cookiecutter").setLevel(logging.CRITICAL + 1)

    from cookiecutter.main import cookiecutter

    try:
        made = cookiecutter(template, checkout=checkout, no_input=no_input, extra_context=extra,
                            output_dir=str(output_dir), directory=directory, accept_hooks=True)
    except cx.UndefinedVariableInTemplate as exc:
        raise _undefined(exc, template) from None
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise TemplateError(f"template {template}: {where}: {exc.message}",
                            "Fix the Jinja syntax at that line of the template.") from None
    except cx.FailedHookException as exc:
        raise TemplateError(f"the template's hook stopped the render: {exc}",
                            "Read the hook's message above; most often an option value it refuses.") from None
    except (cx.RepositoryNotFound, cx.RepositoryCloneFailed, cx.VCSNotInstalled,
            cx.InvalidZipRepository) as exc:
        raise TemplateError(f"cannot get the template {template}: {_first_line(exc)}",
                            "Give a local folder holding cookiecutter.json, or a git URL you can clone.") \
            from None
    except subprocess.CalledProcessError as exc:  # cookiecutter lets most git failures through
        output = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) else exc.output or ""
        fatal = [line for line in output.splitlines() if line.startswith(("fatal:", "error:"))]
        why = "; ".join(fatal) or output.strip() or f"exit status {exc.returncode}"
        raise TemplateError(f"cannot get the template {template}: `{' '.join(map(str, exc.cmd))}` "
                            f"failed: {why}",
                            "Check the URL (and --checkout), or clone it yourself and pass the folder.") \
            from None
    except cx.ContextDecodingException as exc:
        raise TemplateError(f"{template}: cookiecutter.json is not valid JSON: {_first_line(exc)}",
                            "Fix cookiecutter.json in the template.") from None
    except (cx.NonTemplatedInputDirException, cx.UnknownTemplateDirException) as exc:
        raise TemplateError(f"{template} is not a cookiecutter template: {_first_line(exc)}",
                            "A template has cookiecutter.json and one folder named with "
                            "{{ cookiecutter.<key> }}.") from None
    except cx.CookiecutterException as exc:
        raise TemplateError(f"the template {template} failed: {_first_line(exc)}") from None
    except ValueError as exc:  # cookiecutter's refusal of a value outside a choice list
        raise TemplateError(f"the template {template} refused an option: {exc}",
                            "Pick one of the values it lists.") from None
    return Path(made)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _undefined(exc, template: str) -> TemplateError:
    """Name the template file, its line when the traceback has it, and the missing variable."""
    inner = exc.error
    file = re.search(r"'([^']+)'", exc.message)
    where = file.group(1) if file else exc.message
    line = next((lineno for frame, lineno in _frames(inner.__traceback__)
                 if file and frame.f_code.co_filename.endswith(file.group(1))), None)
    missing = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", inner.message or "")
    variable = next((g for g in missing.groups() if g), None) if missing else None
    what = f"the variable {variable!r} is not defined" if variable else inner.message
    return TemplateError(
        f"template {template}: {where}{f':{line}' if line else ''}: {what}",
        f"Define {variable} in the template's cookiecutter.json, or pass --option {variable}=VALUE."
        if variable else "Check the variable names used in that file.",
    )


def _frames(tb):
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
