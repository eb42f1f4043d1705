"""The imports desk: runs, sources, row problems, and uploading a booking export by hand.

For sustainability officers and administrators. A run's row problems can quote travellers'
emails and employee numbers, so opening a run is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from connectors import REGISTRY
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger
from corp_carbon.services.imports import runs as import_runs
from corp_carbon.services.imports.values import COUNTS
from corp_carbon.web import params
from corp_carbon.web.access import current_employee, roles_required
from corp_carbon.web.admin.problem_words import problem_words
from corp_carbon.web.api.import_runs import run_page
from corp_carbon.web.api.imports import IMPORT_ROLES, import_posted, limit_upload_size
from corp_carbon.web.i18n import gettext, ngettext
from corp_carbon.web.state import carbon

RUNS_PAGE = 50
PROBLEMS_PAGE = 500
#: the badge colour of each status, from the stylesheet's existing badge classes.
STATUS_TONE = {
    ImportRunStatus.SUCCEEDED: "",
    ImportRunStatus.COMPLETED_WITH_ERRORS: "requested",
    ImportRunStatus.FAILED: "rejected",
    ImportRunStatus.RUNNING: "cancelled",
}


def trigger_text() -> dict[ImportTrigger, str]:
    """How each kind of run started, in the page's language."""
    return {
        ImportTrigger.UPLOAD: gettext("Uploaded here"),
        ImportTrigger.API: gettext("Pushed to the API"),
        ImportTrigger.SCHEDULE: gettext("Scheduled pull"),
        ImportTrigger.CLI: gettext("Command line"),
    }


def count_help() -> dict[str, str]:
    """What each count means, for the run page."""
    return {
        "read": gettext("Trip segments (or survey answers) read from the file"),
        "imported": gettext("New trips stored"),
        "updated": gettext("Trips changed by a newer copy of their booking"),
        "duplicates": gettext(
            "Trips already reported by another travel system, or repeated in the file: kept once"
        ),
        "cancelled": gettext("Trips cancelled by the travel system: their points were given back"),
        "rejected": gettext("Rows not imported: see the problems below"),
        "waiting": gettext("Trips of travellers not (yet) in the employee directory"),
        "unchanged": gettext("Re-sent exactly as already stored: nothing changed"),
    }


def count_names() -> dict[str, str]:
    """Each count's name, as the run page's cards show it."""
    return {
        "read": gettext("Read"),
        "imported": gettext("Imported"),
        "updated": gettext("Updated"),
        "duplicates": gettext("Duplicates"),
        "cancelled": gettext("Cancelled"),
        "rejected": gettext("Rejected"),
        "waiting": gettext("Waiting"),
        "unchanged": gettext("Unchanged"),
    }


def count_words(counts: Mapping[str, int], name: str) -> str:
    """One count with its name, as a run's summary says it: "14 read"."""
    n = f"{counts[name]:,}"
    words = {
        "read": gettext("%(n)s read", n=n),
        "imported": gettext("%(n)s imported", n=n),
        "updated": gettext("%(n)s updated", n=n),
        "duplicates": gettext("%(n)s duplicates", n=n),
        "cancelled": gettext("%(n)s cancelled", n=n),
        "rejected": gettext("%(n)s rejected", n=n),
        "waiting": gettext("%(n)s waiting", n=n),
        "unchanged": gettext("%(n)s unchanged", n=n),
    }
    return words.get(name, f"{n} {name}")


def register(bp: Blueprint) -> None:
    bp.url_value_preprocessor(limit_upload_size("admin_import_upload"))
    bp.add_url_rule("/admin/imports", view_func=imports_desk, endpoint="admin_imports")
    bp.add_url_rule(
        "/admin/imports/<id:run_id>", view_func=import_run_page, endpoint="admin_import_run"
    )
    bp.add_url_rule(
        "/admin/imports/upload",
        view_func=upload,
        endpoint="admin_import_upload",
        methods=["POST"],
    )


@roles_required(*IMPORT_ROLES)
def imports_desk() -> str:
    """200: the runs, newest first (paged), the import sources and the upload form."""
    page = params.page_number()
    with carbon().uow() as uow:
        runs = import_runs.list_runs(uow.session, limit=RUNS_PAGE, offset=(page - 1) * RUNS_PAGE)
        total = import_runs.count_runs(uow.session)
        sources = import_runs.list_sources(uow.session)
        waiting = import_runs.waiting_travellers(uow.session)
    return render_template(
        "carbon/admin/imports.html",
        runs=runs,
        total=total,
        page=page,
        pages=params.page_count(total, RUNS_PAGE),
        sources=sources,
        waiting=waiting,
        **_form_context(),
    )


@roles_required(*IMPORT_ROLES)
def import_run_page(run_id: int) -> str:
    """200: one run with its counts and row problems; 404: no such run."""
    page = params.page_number()
    found = run_page(run_id, page, PROBLEMS_PAGE)
    if found is None:
        abort(404, description=gettext("Import run %(id)s does not exist.", id=run_id))
    run, problems = found
    return render_template(
        "carbon/admin/import_run.html",
        run=run,
        problems=problems,
        page=page,
        pages=params.page_count(run.problems, PROBLEMS_PAGE),
        count_help=count_help(),
        count_names=count_names(),
        problem_words=problem_words,
        keep_raw_days=carbon().settings.privacy.keep_raw_days,
        **_form_context(selected=run.connector),
    )


@roles_required(*IMPORT_ROLES)
def upload() -> Response:
    """302 to the new run's page (or back to the desk) with what happened."""
    employee = current_employee()
    assert employee is not None
    form = request.form
    try:
        dry_run = params.form_flag("dry run", form.get("dry_run"))
        report = import_posted(
            dry_run=dry_run, trigger=ImportTrigger.UPLOAD, started_by=employee.email
        )
    except DomainError as exc:
        flash(gettext("Nothing was imported: %(why)s", why=exc.message), "error")
        return redirect(url_for("carbon.admin_imports"))
    counts = gettext(", ").join(
        count_words(report.counts, name)
        for name in COUNTS
        if name in ("read", "imported") or report.counts[name]
    )
    rejected = report.counts["rejected"]
    file = report.file_name
    if report.failed:
        flash(
            gettext(
                "%(file)s: the import failed. %(why)s", file=file, why=hint(report.error or "")
            ),
            "error",
        )
    elif report.run_id is None:
        into = (form.get("source") or "").strip() or report.connector
        flash(
            gettext(
                "Dry run of %(file)s into source %(source)s (nothing was stored): %(counts)s.",
                file=file, source=into, counts=counts,
            )
        )  # fmt: skip
    elif rejected:
        flash(
            ngettext(
                "%(file)s imported with problems: %(counts)s. The rejected row was not imported: "
                "see the row problems.",
                "%(file)s imported with problems: %(counts)s. The rejected rows were not "
                "imported: see the row problems.",
                rejected, file=file, counts=counts,
            ),
            "error",
        )  # fmt: skip
    else:
        flash(gettext("%(file)s imported: %(counts)s.", file=file, counts=counts))
    if report.run_id is None:
        return redirect(url_for("carbon.admin_imports"))
    return redirect(url_for("carbon.admin_import_run", run_id=report.run_id))


def hint(error: str) -> str:
    """The pipeline's message, with its command-line advice put as this page's words."""
    return error.replace("use --connector ", "choose the format ")


def _form_context(selected: str | None = None) -> dict[str, object]:
    settings = carbon().settings
    return {
        "connectors": list(REGISTRY),
        "selected_connector": selected,
        "max_upload_mb": settings.imports.max_upload_mb,
        "status_tone": STATUS_TONE,
        "counts": COUNTS,
        "trigger_text": trigger_text(),
        "count_words": count_words,
        "hint": hint,
    }
