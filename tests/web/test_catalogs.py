"""The catalogs stay in step with the code: the template lists every marked string, Spanish
translates every one (none fuzzy, placeholders kept), and the compiled .mo files are the .po
files as they are now. Each failure says which make target repairs it (docs/TRANSLATING.md)."""

from __future__ import annotations

import gettext
import io
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from node.web.i18n import DOMAIN, Languages, locale_dir
from node.web.refusals import CORE_REASONS

ROOT = Path(__file__).resolve().parents[2]
Key = tuple[str | None, str | tuple[str, ...]]


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (ROOT / "babel.cfg").open(encoding="utf-8") as file:
        return parse(file)  # type: ignore[no-any-return]


def _extracted() -> set[Key]:
    """What ``pybabel extract -F babel.cfg -k N_`` finds in the sources now."""
    method_map, options_map = _mapping()
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: set[Key] = set()
    for pattern, method in method_map:
        top = pattern.split("*")[0].rsplit("/", 1)[0]
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if not path.is_file() or not fnmatch(relative, pattern.replace("**", "*")):
                continue
            for _line, message, _comments, context in extract_from_file(
                    method, str(path), keywords=keywords, comment_tags=("Translators:",),
                    options=options_map.get(pattern, {})):
                found.add((context, message))
    return found


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _keys(catalog: Catalog) -> set[Key]:
    return {(m.context, m.id) for m in catalog if m.id}


def _languages() -> list[Path]:
    return sorted(locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def test_the_template_lists_every_marked_string_and_nothing_else() -> None:
    extracted = _extracted()
    template = _keys(_catalog(locale_dir() / "messages.pot"))
    assert len(extracted) > 700
    missing, stale = extracted - template, template - extracted
    assert not missing and not stale, (
        "node/locale/messages.pot is stale: run `make messages`, translate, `make translations`.\n"
        f"not in the template: {sorted(map(str, missing))[:20]}\n"
        f"no longer in the code: {sorted(map(str, stale))[:20]}")


def test_every_language_translates_every_message_of_the_template() -> None:
    """Spanish and any language added later: complete, nothing fuzzy, placeholders kept."""
    template = _catalog(locale_dir() / "messages.pot")
    assert "es" in {po.parent.parent.name for po in _languages()}
    for po in _languages():
        translated = _catalog(po, po.parent.parent.name)
        problems = []
        for message in template:
            if not message.id:
                continue
            found = translated.get(message.id, message.context)
            strings = found.string if found is not None else None
            forms = strings if isinstance(strings, tuple) else (strings,)
            if found is None or not all(forms):
                problems.append(f"untranslated: {message.id!r}")
            elif found.fuzzy:
                problems.append(f"fuzzy (check it, then drop the flag): {message.id!r}")
        for message, errors in translated.check():
            problems.extend(f"{message.id!r}: {error}" for error in errors)
        assert not problems, f"{po}:\n" + "\n".join(problems[:30])


def test_the_compiled_catalogs_are_the_sources_as_they_are() -> None:
    assert _languages(), "no language besides English"
    for po in _languages():
        fresh = io.BytesIO()
        write_mo(fresh, _catalog(po, po.parent.parent.name))
        fresh.seek(0)
        with po.with_suffix(".mo").open("rb") as file:
            shipped = gettext.GNUTranslations(file)
        compiled = gettext.GNUTranslations(fresh)
        assert shipped._catalog == compiled._catalog, (  # type: ignore[attr-defined]
            f"{po.with_suffix('.mo')} is older than its .po: run `make translations`")


def test_the_node_speaks_every_compiled_language() -> None:
    languages = Languages.load()
    codes = [language.code for language in languages.listed()]
    assert codes[0] == "en" and "es" in codes
    spanish = languages.get("es-ES")
    assert spanish is not None and spanish.name == "Español"
    assert spanish.translations.gettext("Sign in") == "Iniciar sesión"


def test_the_catalogs_are_shipped_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["node"]
    for path in [locale_dir() / "messages.pot", *_languages(), *(p.with_suffix(".mo") for p in _languages())]:
        relative = path.relative_to(ROOT / "node").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in shipped), relative
    assert any(dep.lower().startswith("babel") for dep in config["project"]["dependencies"])


def test_the_core_refusals_in_the_catalog_are_the_core_words() -> None:
    """A reason the edge translates is looked up by its exact English: it must still be one."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "governance").glob("*.py"))
    gone = [reason for reason in CORE_REASONS
            if f'"{reason}"' not in source and f"'{reason}'" not in source]
    assert not gone, f"no longer words of governance/: {gone}"
