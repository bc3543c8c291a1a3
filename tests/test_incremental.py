"""The incremental preview (builder.incremental, issue 15): a saved case sheet re-renders
only what depends on it, nothing else in the served site is rewritten, and after any
sequence of edits the preview and ``kit build`` are byte-identical to cold ones."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from builder import loader, pages, richtext, serve, validate
from builder.build import build
from builder.config import Project
from builder.incremental import FULL, PARTIAL, Preview
from builder.loader import CatalogueError
from conftest import FIXTURES, copy_project


def snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file: (content hash, inode, mtime in ns)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(folder).as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_ino, stat.st_mtime_ns)
    return found


def contents(folder: Path) -> dict[str, str]:
    return {relative: digest for relative, (digest, _, _) in snapshot(folder).items()}


def retitle(project: Project, slug: str, title: str) -> None:
    sheet = project.kit_dir / "cas" / f"{slug}.yml"
    lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [f'titre: "{title}"\n' if line.startswith("titre:") else line for line in lines]
    sheet.write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def preview(tmp_path: Path, fixed_epoch: str) -> Preview:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    (tmp_path / "apercu").mkdir()
    return Preview(project, tmp_path / "apercu", background=False)


def cold_preview(project_root: Path, folder: Path) -> Path:
    folder.mkdir()
    fresh = Preview(Project(project_root), folder, background=False)
    assert fresh.rebuild() == FULL
    return fresh.site_dir


def test_an_edited_sheet_rewrites_its_page_and_the_index_and_nothing_else(preview: Preview, tmp_path: Path) -> None:
    # a third sheet, after silvergeek: not a neighbour of charenton in the index's order
    shutil.copy(preview.project.kit_dir / "cas" / "silvergeek.yml", preview.project.kit_dir / "cas" / "zz-troisieme.yml")
    retitle(preview.project, "zz-troisieme", "Troisième fiche")
    assert preview.rebuild() == FULL
    before = snapshot(preview.site_dir)
    other_page = before["fiches/zz-troisieme.html"]

    retitle(preview.project, "charenton", "Titre changé pour la mesure")
    assert preview.rebuild() == PARTIAL
    after = snapshot(preview.site_dir)

    assert "Titre changé pour la mesure" in (preview.site_dir / "fiches" / "charenton.html").read_text(encoding="utf-8")
    assert "Titre changé pour la mesure" in (preview.site_dir / "fiches" / "index.html").read_text(encoding="utf-8")
    changed = {relative for relative in after if after[relative] != before.get(relative)}
    content_changed = {relative for relative in after if after[relative][0] != before.get(relative, ("",))[0]}
    # the sheet's page, the index, the feed, and the search files holding its title
    assert {"fiches/charenton.html", "fiches/index.html", "fiches/flux.xml"} <= changed
    assert any(relative.startswith("search/") for relative in changed)
    # every file touched has new bytes: nothing was rewritten identical (inode and mtime kept)
    assert changed == content_changed
    assert after["fiches/zz-troisieme.html"] == other_page
    # its neighbour links it by title (previous/next sheet)
    assert "fiches/silvergeek.html" in changed
    assert set(after) == set(before)
    # and nothing else: no other sheet, document, path or editorial page, nothing of the theme
    allowed = {"fiches/charenton.html", "fiches/silvergeek.html", "fiches/index.html", "fiches/flux.xml",
               "documents/etude.html"}  # etude: the document the sheet cites
    others = {relative for relative in changed
              if not relative.startswith("search/")  # the search index's files
              and not (relative.startswith("catalogue/") and not relative.endswith(".html"))}  # exports
    assert others <= allowed, changed
    # and the result is what a cold preview of the same project gives, byte for byte
    assert contents(preview.site_dir) == contents(cold_preview(preview.project.root, tmp_path / "froid"))


def test_an_unchanged_round_rewrites_nothing(preview: Preview) -> None:
    preview.rebuild()
    sheet = preview.project.kit_dir / "cas" / "charenton.yml"
    first_reading = preview.sheets[sheet][1]
    before = snapshot(preview.site_dir)
    assert preview.rebuild() == PARTIAL
    assert snapshot(preview.site_dir) == before
    # the round reused the previous one's reading of the unchanged sheet (not parsed again) and
    # its Markdown renders; kit build never sees either memory
    assert preview.sheets[sheet][1] is first_reading
    documents = yaml.safe_load((preview.project.kit_dir / "documents.yml").read_text(encoding="utf-8"))
    assert documents[0]["resume"] in preview.memo.current
    assert richtext.MEMO is None and loader.CASE_MEMO is None


def test_incremental_sequence_is_byte_identical_to_cold_preview_and_build(preview: Preview, tmp_path: Path) -> None:
    project = preview.project
    assert preview.rebuild() == FULL
    retitle(project, "charenton", "Premier titre modifié")
    assert preview.rebuild() == PARTIAL
    added = project.kit_dir / "cas" / "nouvelle-fiche.yml"
    shutil.copy(project.kit_dir / "cas" / "silvergeek.yml", added)
    retitle(project, "nouvelle-fiche", "Une fiche ajoutée")
    assert preview.rebuild() == PARTIAL
    assert "Une fiche ajoutée" in (preview.site_dir / "fiches" / "nouvelle-fiche.html").read_text(encoding="utf-8")
    assert preview.mkdocs is not None  # MkDocs stays in memory when a sheet comes or goes
    (project.kit_dir / "cas" / "silvergeek.yml").unlink()
    assert preview.rebuild() == PARTIAL
    assert not (preview.site_dir / "fiches" / "silvergeek.html").exists()
    assert not (preview.work / "docs" / "fiches" / "silvergeek.md").exists()
    settings = project.config_file.read_text(encoding="utf-8")
    assert "titre:" in settings
    project.config_file.write_text(settings.replace("titre:", "titre: Aperçu renommé #", 1), encoding="utf-8")
    assert preview.rebuild() == FULL  # the settings change every page
    retitle(project, "charenton", "Second titre modifié")
    assert preview.rebuild() == PARTIAL

    cold = cold_preview(project.root, tmp_path / "froid")
    assert contents(preview.site_dir) == contents(cold)

    # kit build stays hermetic: after the preview, it equals a build of a fresh copy
    built = build(project, tmp_path / "site-apres-apercu").site_dir
    copy = copy_project(project.root, tmp_path / "copie")
    reference = build(copy, tmp_path / "site-froid").site_dir
    assert contents(built) == contents(reference)


def test_a_broken_sheet_keeps_the_previous_preview_and_the_fix_is_a_partial_round(preview: Preview) -> None:
    preview.rebuild()
    before = snapshot(preview.site_dir)
    sheet = preview.project.kit_dir / "cas" / "charenton.yml"
    good = sheet.read_text(encoding="utf-8")
    sheet.write_text(good.replace("titre:", "titre_inconnu:", 1), encoding="utf-8")
    with pytest.raises(CatalogueError):
        preview.rebuild()
    assert snapshot(preview.site_dir) == before
    sheet.write_text(good.replace("titre:", 'titre: "Corrigé" #', 1), encoding="utf-8")
    assert preview.rebuild() == PARTIAL  # the error touched nothing: no full rebuild after the fix
    assert "Corrigé" in (preview.site_dir / "fiches" / "charenton.html").read_text(encoding="utf-8")
    sheet.write_text(good, encoding="utf-8")
    assert preview.rebuild() == PARTIAL
    assert contents(preview.site_dir) == {k: v[0] for k, v in before.items()}


def test_a_broken_setting_keeps_the_previous_preview_and_the_fix_is_a_full_round(preview: Preview) -> None:
    preview.rebuild()
    before = snapshot(preview.site_dir)
    settings = preview.project.config_file
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good + "\nreglage_inconnu: 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError):
        preview.rebuild()
    assert snapshot(preview.site_dir) == before
    settings.write_text(good, encoding="utf-8")
    assert preview.rebuild() == FULL  # the settings were read again: everything is rebuilt
    assert contents(preview.site_dir) == {k: v[0] for k, v in before.items()}


def test_mkdocs_rebuilds_only_the_rewritten_pages(preview: Preview) -> None:
    assert preview.rebuild() == FULL
    before = snapshot(preview.raw)  # MkDocs' own output, before the post-build stages
    retitle(preview.project, "charenton", "Titre pour MkDocs seul")
    assert preview.rebuild() == PARTIAL
    after = snapshot(preview.raw)
    rewritten = {relative for relative in after if after[relative] != before.get(relative)}
    # the sheet's page, its neighbour, the index, the documents it cites: no 404 page, no
    # page of the navigation, no sitemap, nothing of the theme
    assert {"fiches/charenton.html", "fiches/index.html"} <= rewritten
    assert all(relative.startswith(("fiches/", "documents/")) for relative in rewritten), rewritten
    assert "Titre pour MkDocs seul" in (preview.raw / "fiches" / "charenton.html").read_text(encoding="utf-8")


def test_a_new_round_stops_the_previous_search_index_and_ends_as_a_cold_preview(tmp_path: Path, fixed_epoch: str) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    (tmp_path / "apercu").mkdir()
    preview = Preview(project, tmp_path / "apercu", background=True)
    try:
        assert preview.rebuild() == FULL
        retitle(project, "charenton", "Premier passage")
        assert preview.rebuild() == PARTIAL
        first_child = preview.child
        assert first_child is not None  # the search index and exports, after the reload
        retitle(project, "charenton", "Second passage")
        assert preview.rebuild() == PARTIAL  # stops the first child instead of waiting for it
        with pytest.raises(ChildProcessError):
            os.waitpid(first_child, os.WNOHANG)  # reaped: it is not left behind
        preview.wait()
        assert preview.background_error is None
        feed = (preview.site_dir / "fiches" / "flux.xml").read_text(encoding="utf-8")
        assert "Second passage" in feed and "Premier passage" not in feed
        # the search index too: what a cold preview of the last state gives
        assert contents(preview.site_dir) == contents(cold_preview(project.root, tmp_path / "froid"))
    finally:
        preview.close()
    assert preview.child is None


def test_a_document_page_is_remade_when_the_sheets_citing_it_change(preview: Preview, tmp_path: Path) -> None:
    assert preview.rebuild() == FULL
    film = preview.site_dir / "documents" / "film.html"
    assert "fiches/charenton.html" not in film.read_text(encoding="utf-8")
    before = snapshot(preview.site_dir)
    sheet = preview.project.kit_dir / "cas" / "charenton.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("documents: [etude]", "documents: [etude, film]"),
                     encoding="utf-8")
    assert preview.rebuild() == PARTIAL
    assert "fiches/charenton.html" in film.read_text(encoding="utf-8")  # the page now lists the sheet
    after = snapshot(preview.site_dir)
    # a document no sheet of the change cites is kept as it was
    assert after["documents/mooc.html"] == before["documents/mooc.html"]
    assert contents(preview.site_dir) == contents(cold_preview(preview.project.root, tmp_path / "froid"))


def test_the_index_renders_again_only_the_entries_of_changed_sheets(preview: Preview, tmp_path: Path) -> None:
    assert preview.rebuild() == FULL
    retitle(preview.project, "charenton", "Premier titre")
    assert preview.rebuild() == PARTIAL
    kept = dict(preview.entries.current)  # (macro, page, number, slug) -> (sheet, HTML)
    # both lists of the index (numbered list, map's text), for both sheets
    assert {(key[0], key[3]) for key in kept} == {(macro, slug) for macro in ("list_entry", "map_entry")
                                                  for slug in ("charenton", "silvergeek")}
    retitle(preview.project, "charenton", "Second titre")
    assert preview.rebuild() == PARTIAL
    now = preview.entries.current
    assert set(now) == set(kept)
    for key, (case, html) in now.items():
        if key[3] == "charenton":  # the edited sheet's entries were rendered again
            assert "Second titre" in html and html != kept[key][1]
        else:  # the other sheet's are the previous round's, not rendered again
            assert now[key] is kept[key]
    assert pages.ENTRY_MEMO is None  # kit build never sees the kept entries
    index = (preview.site_dir / "fiches" / "index.html").read_text(encoding="utf-8")
    assert "Second titre" in index and "Premier titre" not in index
    assert contents(preview.site_dir) == contents(cold_preview(preview.project.root, tmp_path / "froid"))


def test_the_index_lists_are_placed_after_markdown(preview: Preview) -> None:
    """The index's two lists reach MkDocs as raw blocks (Python-Markdown never parses their
    thousands of tags), and come out as the HTML of the entries."""
    preview.rebuild()
    markdown = (preview.work / "docs" / "fiches" / "index.md").read_text(encoding="utf-8")
    assert "<ol" not in markdown and "<figcaption" not in markdown and "<!--kit:bloc:" in markdown
    html = (preview.site_dir / "fiches" / "index.html").read_text(encoding="utf-8")
    assert html.count('<ol class="kit-fiches">') == 1 and html.count('<figcaption class="kit-carte__texte">') == 1
    assert '<li value="1"><a href="charenton.html" data-kit-item="charenton"' in html
    assert "<!--kit:bloc:" not in html and "<!--kit:ligne:" not in html


def test_the_own_checks_of_an_unchanged_sheet_are_kept_and_a_leftover_is_reported_every_round(preview: Preview) -> None:
    preview.rebuild()
    silvergeek = preview.sheets[preview.project.kit_dir / "cas" / "silvergeek.yml"][1]
    checked = preview.checks.current[id(silvergeek)]
    assert checked[0] is silvergeek and checked[1] == []
    retitle(preview.project, "charenton", "Titre changé")
    assert preview.rebuild() == PARTIAL
    assert preview.checks.current[id(silvergeek)] is checked  # not checked again
    assert validate.SHEET_CHECKS is None  # kit build and kit check never see them
    # the edited sheet is checked again: the new-case template's example address is refused,
    # in every round until it is fixed
    sheet = preview.project.kit_dir / "cas" / "charenton.yml"
    good = sheet.read_text(encoding="utf-8")
    sheet.write_text(good + "site_web: https://www.exemple.fr/\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CatalogueError) as raised:
            preview.rebuild()
        assert "adresse d'exemple « exemple.fr » laissée du modèle" in raised.value.problems.report()
    sheet.write_text(good, encoding="utf-8")
    assert preview.rebuild() == PARTIAL


class _BuildLoop:
    """What ``serve.watch`` touches of MkDocs' LiveReloadServer: its build loop's condition."""

    def __init__(self) -> None:
        self._rebuild_cond = threading.Condition()
        self._want_rebuild = False
        self._watched_paths: dict[str, int] = {}

    def asked(self, timeout: float = 20) -> bool:
        """Whether a round was asked for (waiting up to ``timeout`` s for one); clears it."""
        with self._rebuild_cond:
            found = self._rebuild_cond.wait_for(lambda: self._want_rebuild, timeout=timeout)
            self._want_rebuild = False
        return found


@pytest.mark.parametrize("inotify", [True, False], ids=["inotify", "releves"])
def test_the_watcher_sees_saves_not_reads(tmp_path: Path, inotify: bool) -> None:
    from watchdog.observers.polling import PollingObserver

    kit = tmp_path / "kit"
    (kit / "cas").mkdir(parents=True)
    sheet = kit / "cas" / "une-fiche.yml"
    sheet.write_text("titre: a\n", encoding="utf-8")
    settings = tmp_path / "site_config.yml"
    settings.write_text("a: 1\n", encoding="utf-8")
    loop = _BuildLoop()
    observer = serve.watch(loop, [kit, settings], inotify=inotify)
    try:
        assert isinstance(observer, PollingObserver) != inotify
        # MkDocs' server adds its reload script to the pages only for the paths it knows watched
        assert set(loop._watched_paths) == {str(kit), str(settings)}
        # every round reads every sheet and the settings: reading is not a change; nor is a
        # file saved beside the settings
        for _ in range(3):
            sheet.read_bytes()
            settings.read_bytes()
        (tmp_path / "notes.txt").write_text("pas surveillé\n", encoding="utf-8")
        assert not loop.asked(timeout=2)  # (polling: four scans)
        sheet.write_text("titre: b\n", encoding="utf-8")
        assert loop.asked()
        (kit / "cas" / "nouvelle.yml").write_text("titre: c\n", encoding="utf-8")
        assert loop.asked()
        # an editor's save: a new file renamed onto the settings; the next save is still seen
        fresh = tmp_path / "site_config.yml.tmp"
        fresh.write_text("a: 2\n", encoding="utf-8")
        os.replace(fresh, settings)
        assert loop.asked()
        settings.write_text("a: 3\n", encoding="utf-8")
        assert loop.asked()
    finally:
        observer.stop()
        observer.join()


def test_what_the_rounds_keep_is_out_of_the_collectors_full_passes_until_the_preview_ends(preview: Preview) -> None:
    import gc

    assert preview.rebuild() == FULL
    frozen = gc.get_freeze_count()
    assert frozen > 0  # the catalogue, MkDocs and the renders kept for the next rounds
    retitle(preview.project, "charenton", "Titre changé")
    assert preview.rebuild() == PARTIAL
    assert gc.get_freeze_count() <= frozen  # a partial round freezes nothing more (what it drops is freed)
    preview.close()
    assert gc.get_freeze_count() == 0


def test_the_saved_sheets_page_is_published_before_the_index_and_the_round_ends_as_a_cold_preview(
        preview: Preview, tmp_path: Path) -> None:
    """kit serve reloads the open page as soon as the saved sheet's page is in site/
    (``page_ready``), while the index, the documents, the feed and the search files are made."""
    assert preview.rebuild() == FULL
    seen: list[dict[str, str]] = []

    def page_ready() -> None:
        seen.append({relative: (preview.site_dir / relative).read_text(encoding="utf-8")
                     for relative in ("fiches/charenton.html", "fiches/silvergeek.html", "fiches/index.html",
                                      "fiches/flux.xml")})

    preview.page_ready = page_ready
    retitle(preview.project, "charenton", "Publiee en premier")
    assert preview.rebuild() == PARTIAL
    assert len(seen) == 1
    first = seen[0]
    assert "Publiee en premier" in first["fiches/charenton.html"]
    # its neighbour (which links it by title), the index and the feed were not made yet
    assert "Publiee en premier" not in first["fiches/silvergeek.html"]
    assert "Publiee en premier" not in first["fiches/index.html"]
    assert "Publiee en premier" not in first["fiches/flux.xml"]
    # the page published first is the round's final page: not rewritten by the rest of the round
    assert (preview.site_dir / "fiches" / "charenton.html").read_text(encoding="utf-8") == first["fiches/charenton.html"]
    for relative in ("fiches/silvergeek.html", "fiches/index.html", "fiches/flux.xml"):
        assert "Publiee en premier" in (preview.site_dir / relative).read_text(encoding="utf-8"), relative
    assert {"fiches/charenton.html", "fiches/silvergeek.html", "fiches/index.html"} <= set(preview.changed)
    assert contents(preview.site_dir) == contents(cold_preview(preview.project.root, tmp_path / "froid"))

    # a round that changes no sheet's page publishes nothing first, and reloads nothing early
    assert preview.rebuild() == PARTIAL
    assert len(seen) == 1


def test_an_unchanged_sheet_is_not_read_again_and_a_save_of_the_same_size_is_seen(preview: Preview) -> None:
    """The preview tells an unchanged sheet by its file's size, times and inode, without reading
    it (builder.loader.CASE_MEMO); a write keeps no stale reading, even of the same length."""
    assert preview.rebuild() == FULL
    sheet = preview.project.kit_dir / "cas" / "charenton.yml"
    other = preview.project.kit_dir / "cas" / "silvergeek.yml"
    kept = preview.sheets[other][1]
    retitle(preview.project, "charenton", "Titre AAAA")
    assert preview.rebuild() == PARTIAL
    first = preview.sheets[sheet][1]
    size = sheet.stat().st_size
    modified = sheet.stat().st_mtime_ns
    retitle(preview.project, "charenton", "Titre BBBB")  # same length
    os.utime(sheet, ns=(modified, modified))  # and the same modification time
    assert sheet.stat().st_size == size
    assert preview.rebuild() == PARTIAL
    assert preview.sheets[sheet][1] is not first
    assert "Titre BBBB" in (preview.site_dir / "fiches" / "charenton.html").read_text(encoding="utf-8")
    assert preview.sheets[other][1] is kept  # the other sheet: never read again


def test_the_end_of_a_save_starts_the_round_at_once_other_changes_after_a_short_delay(tmp_path: Path) -> None:
    from watchdog.events import FileClosedEvent, FileCreatedEvent, FileModifiedEvent, FileMovedEvent

    sheet = str(tmp_path / "kit" / "cas" / "une-fiche.yml")
    assert serve._ends_a_save(FileClosedEvent(sheet))
    assert serve._ends_a_save(FileMovedEvent(sheet + ".tmp", sheet))  # a new file renamed into place
    assert serve._ends_a_save(FileClosedEvent(str(tmp_path / "content" / "a-propos.md")))
    # a write not closed yet, a new file still empty, an editor's temporary or backup file
    assert not serve._ends_a_save(FileModifiedEvent(sheet))
    assert not serve._ends_a_save(FileCreatedEvent(sheet))
    assert not serve._ends_a_save(FileClosedEvent(str(tmp_path / "kit" / "cas" / ".une-fiche.yml.swp")))
    assert not serve._ends_a_save(FileClosedEvent(sheet + "~"))
    assert not serve._ends_a_save(FileMovedEvent(sheet, sheet + "~"))

    loop = _BuildLoop()
    handler = serve._changes_handler(loop)
    handler.on_any_event(FileClosedEvent(sheet))
    assert loop._want_rebuild  # asked before the handler returned: no delay
    loop.asked()
    handler.on_any_event(FileModifiedEvent(sheet))  # asked later, once no other change came
    assert loop.asked()
    handler.on_any_event(FileModifiedEvent(sheet))
    handler.on_any_event(FileClosedEvent(sheet))  # the save ends: at once, the delayed one dropped
    assert loop._want_rebuild and loop._kit_rounds.timer is None
    loop.asked()
    assert not loop.asked(timeout=2 * serve.BUILD_DELAY + 0.5)  # one round, not two


def test_the_browsers_reload_when_the_sheets_page_is_published(tmp_path: Path) -> None:
    """``serve.reload_browsers`` answers the open pages' waiting reload requests during the
    round, and the files are served from then on (MkDocs' server holds them during a round)."""
    import socket

    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "page.html").write_text("<html><body>page</body></html>", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve.make_server(Project(tmp_path), site_dir, lambda: None, "127.0.0.1", port, "hors-ligne.zip")
    try:
        old = server._visible_epoch
        server._wanted_epoch = old + 1  # a round started (MkDocs' build loop)
        answers: list[bytes] = []

        def waiting_page() -> None:  # the reload script of a page served before the round
            environ = {"PATH_INFO": f"/livereload/{old}/1", "HTTP_HOST": f"127.0.0.1:{port}"}
            answers.extend(server._serve_request(environ, lambda *args: None))

        poll = threading.Thread(target=waiting_page)
        poll.start()
        poll.join(timeout=0.5)
        assert poll.is_alive() and not answers  # held: nothing new yet
        serve.reload_browsers(server)
        poll.join(timeout=20)
        assert answers == [b"%d" % (old + 1)]  # the page reloads
        assert server._visible_epoch == server._wanted_epoch  # pages are served again during the round
    finally:
        server.server_close()


def test_the_typeset_text_runs_are_kept_between_partial_rounds_only(preview: Preview, tmp_path: Path) -> None:
    from builder import typography

    assert preview.rebuild() == FULL
    assert not preview.runs.current  # a full round keeps none (every page's runs, used once)
    retitle(preview.project, "charenton", "Premier essai : 12 ateliers")
    assert preview.rebuild() == PARTIAL
    kept = dict(preview.runs.current)
    assert any("Premier essai" in key[0] for key in kept)
    assert typography.RUN_MEMO is None  # kit build never sees them
    retitle(preview.project, "charenton", "Second essai : 12 ateliers")
    assert preview.rebuild() == PARTIAL
    now = preview.runs.current
    # the runs of what did not change are the previous round's, not typeset again
    assert [key for key in kept if "essai" not in key[0] and now.get(key) is kept[key]]
    assert any("Second essai" in key[0] for key in now) and not any("Premier essai" in key[0] for key in now)
    page = (preview.site_dir / "fiches" / "charenton.html").read_text(encoding="utf-8")
    assert "Second essai\u202f: 12\u00a0ateliers" in page or "Second essai\u00a0: 12" in page
    assert contents(preview.site_dir) == contents(cold_preview(preview.project.root, tmp_path / "froid"))
