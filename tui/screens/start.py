"""Start screen: a new assessment (from a country's profile or blank), a file, or a recent one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, LoadingIndicator, OptionList, Select, Static
from textual.widgets.option_list import Option

from diagnostics.i18n import _, country_name
from diagnostics.user_data import RecentList

from ..actions import START_ACTS, bindings
from ..widgets.field import Field

if TYPE_CHECKING:
    from diagnostics.registry import Registry


class StartScreen(Screen[None]):
    """Asks the app, by message, to start or open an assessment; the app owns the sessions."""

    ACTS = START_ACTS
    BINDINGS = bindings(START_ACTS)
    AUTO_FOCUS = "#recent"

    class NewAssessment(Message):
        def __init__(self, country: str, prefill: bool, family: str = "") -> None:
            super().__init__()
            self.country, self.prefill, self.family = country, prefill, family

    class OpenFile(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, recent: RecentList, data: Path) -> None:
        super().__init__()
        self.recent, self.data = recent, data
        self.registry: Registry | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="start"):
            with Vertical(id="start-left"):
                with Vertical(id="new-box", classes="box") as box:
                    box.border_title = _("New assessment")
                    yield Label(_("Family"))
                    yield Select[str]([], prompt=_("any family"), id="family", compact=True)
                    yield Label(_("Country"))
                    yield Select[str]([], prompt=_("choose a country…"), id="country", compact=True)
                    yield Label(_("…or type a code (blank start)"))
                    yield Field(placeholder=_("e.g. MN"), id="code", compact=True, max_length=3)
                    with Horizontal(classes="buttons"):
                        yield Button(_("From profile"), id="prefill", variant="primary", compact=True)
                        yield Button(_("Blank"), id="blank", compact=True)
                    yield Static("", id="country-note")
                with Vertical(id="open-box", classes="box") as box:
                    box.border_title = _("Open or import a file")
                    yield Field(placeholder=_("path to .assessment.yaml or a profile .yaml/.json"),
                                id="path", compact=True)
                    yield Button(_("Open"), id="open", compact=True)
            with Vertical(id="recent-box", classes="box") as box:
                box.border_title = _("Recent assessments")
                yield OptionList(id="recent", compact=True)
                yield Button(_("Resume latest"), id="resume", compact=True)
                yield Static("", id="saved-in", classes="dim")
        yield LoadingIndicator(id="loading")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("start")
        self.query_one("#saved-in", Static).update(_("Saved in {folder}").format(folder=self.data / "assessments"))
        self.refresh_recent()
        if self.registry is not None:
            self.registry_ready(self.registry)

    def on_screen_resume(self) -> None:
        self.refresh_recent()

    def registry_ready(self, registry: Registry) -> None:
        self.registry = registry
        if not self.is_mounted:
            return
        self.query_one("#loading").display = False
        families = sorted(registry.families.values(), key=lambda f: f.name)
        self.query_one("#family", Select).set_options(
            [(f"{f.name} (" + _("tier {tier}").format(tier=f.tier.value) + ")", f.id) for f in families])
        self._fill_countries(None)
        # Keyboard-first: the country list is where almost every session starts.
        self.query_one("#country", Select).focus()

    def _countries(self, family: str | None) -> list[tuple[str, str]]:
        registry = self.registry
        if registry is None:
            return []
        codes: dict[str, str] = {}
        for fam in registry.families.values():
            if family and fam.id != family:
                continue
            for code in fam.countries:
                p = registry.profiles.get(code)
                codes[code] = country_name(code, p.name) if p else code
        for code, p in registry.profiles.items():
            if not family or p.family == family:
                codes.setdefault(code, country_name(code, p.name))
        return sorted(((f"{name} ({code})" if name != code else code), code) for code, name in codes.items())

    def _fill_countries(self, family: str | None) -> None:
        self.query_one("#country", Select).set_options(self._countries(family))

    @on(Select.Changed, "#family")
    def _family(self, event: Select.Changed) -> None:
        self._fill_countries(event.value if isinstance(event.value, str) else None)

    @on(Select.Changed, "#country")
    def _country(self, event: Select.Changed) -> None:
        registry = self.registry
        note = ""
        if registry is not None and isinstance(event.value, str):
            p = registry.profiles.get(event.value)
            note = (_("a profile is available to pre-fill the answers") if p
                    else _("no profile yet: start blank"))
        self.query_one("#country-note", Static).update(note)

    def refresh_recent(self) -> None:
        olist = self.query_one("#recent", OptionList)
        olist.clear_options()
        for e in self.recent.entries:
            name = f"{e.name} ({e.country})" if e.name else e.country
            olist.add_option(Option(f"{name} · {e.answered}/{e.total} · {Path(e.path).name}", id=e.path))
        if not self.recent.entries:
            olist.add_option(Option(_("(none yet)"), disabled=True))

    # -- actions -----------------------------------------------------------------------
    def _chosen(self) -> str | None:
        code = self.query_one("#code", Field).value.strip().upper()
        value: Any = self.query_one("#country", Select).value
        if code:
            return code
        return value if isinstance(value, str) else None

    def _ready(self) -> bool:
        if self.registry is None:
            self.notify(_("Still loading the knowledge base…"))
            return False
        return True

    def action_prefill(self) -> None:
        if not self._ready():
            return
        code = self._chosen()
        if code is None:
            self.notify(_("Choose a country first."), severity="warning")
            self.query_one("#country", Select).focus()
            return
        self.post_message(self.NewAssessment(code, prefill=True))

    def action_blank(self) -> None:
        if not self._ready():
            return
        code = self._chosen()
        if code is None:
            self.notify(_("Choose a country or type its code first."), severity="warning")
            self.query_one("#code", Field).focus()
            return
        family: Any = self.query_one("#family", Select).value
        self.post_message(self.NewAssessment(code, prefill=False, family=family if isinstance(family, str) else ""))

    def action_resume(self) -> None:
        if not self._ready():
            return
        latest = self.recent.latest()
        if latest is None:
            self.notify(_("No recent assessment yet."), severity="warning")
            return
        self.post_message(self.OpenFile(latest))

    def action_open_file(self) -> None:
        if not self._ready():
            return
        field = self.query_one("#path", Field)
        text = field.value.strip()
        if not text:
            field.focus()
            self.notify(_("Type the path of a file to open."), severity="warning")
            return
        self.post_message(self.OpenFile(Path(text).expanduser()))

    def action_forget(self) -> None:
        olist = self.query_one("#recent", OptionList)
        if olist.highlighted is None:
            return
        option = olist.get_option_at_index(olist.highlighted)
        if option.id:
            self.recent.forget(Path(option.id))
            self.refresh_recent()

    @on(Button.Pressed, "#prefill")
    def _b_prefill(self) -> None:
        self.action_prefill()

    @on(Button.Pressed, "#blank")
    def _b_blank(self) -> None:
        self.action_blank()

    @on(Button.Pressed, "#open")
    @on(Field.Submitted, "#path")
    def _b_open(self) -> None:
        self.action_open_file()

    @on(Button.Pressed, "#resume")
    def _b_resume(self) -> None:
        self.action_resume()

    @on(OptionList.OptionSelected, "#recent")
    def _recent(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and self._ready():
            self.post_message(self.OpenFile(Path(event.option.id)))
