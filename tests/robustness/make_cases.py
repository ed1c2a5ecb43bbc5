"""Writes the robustness corpus: one small corpus (or file) per hazard.

    python tests/robustness/make_cases.py      # rewrites tests/robustness/cases/

The expected outcome of each case is in tests/robustness/cases.tsv (and the
table of docs/bad-input.md); tests/test_robustness.py runs
`tm` on every case and asserts it. The files are committed; this script says
exactly how each hazard was made (encodings, line ends, invisible characters).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from texts import (EN_COURSES, EN_COURSES_PAGE, EN_MEETING, RU_COURSES,  # run as a script: its folder is on sys.path
                   RU_MEETING, RU_MEETING_PAGE)

HERE = Path(__file__).resolve().parent

CASES = HERE / "cases"
MEETING = "2024-08-14-secretariat-meeting"
COURSES = "2024-09-20-peacekeeping-courses"


def put(case: str, rel: str, data: bytes | str, encoding: str = "utf-8") -> None:
    path = CASES / case / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


def both(case: str, ru: dict[str, bytes | str] | None = None, en: dict[str, bytes | str] | None = None) -> None:
    """The two clean pairs, with some files replaced."""
    files = {f"ru/{MEETING}.txt": RU_MEETING, f"ru/{COURSES}.txt": RU_COURSES,
             f"en/{MEETING}.txt": EN_MEETING, f"en/{COURSES}.txt": EN_COURSES}
    for side, repl in (("ru", ru or {}), ("en", en or {})):
        for name, data in repl.items():
            files[f"{side}/{name}"] = data      # None: no such file
    for rel, data in files.items():
        if data is not None:
            put(case, rel, data)


def main() -> None:
    if CASES.exists():
        shutil.rmtree(CASES)

    # Clean UTF-8 with LF: the reference the other cases are compared with.
    both("ok-utf8")

    # English with a BOM and CRLF; Russian with old-Mac CR line ends.
    both("bom-crlf",
         ru={f"{MEETING}.txt": RU_MEETING.replace("\n", "\r").encode("utf-8")},
         en={f"{MEETING}.txt": b"\xef\xbb\xbf" + EN_MEETING.replace("\n", "\r\n").encode("utf-8")})

    # UTF-16 with a BOM, little-endian on one side and big-endian on the other.
    both("utf16-bom",
         ru={f"{MEETING}.txt": RU_MEETING.encode("utf-16")},            # BOM + native (LE)
         en={f"{MEETING}.txt": b"\xfe\xff" + EN_MEETING.encode("utf-16-be")})

    # Russian saved in Windows-1251 (with «», — and a CRLF, as Notepad did).
    both("cp1251", ru={f"{MEETING}.txt": RU_MEETING.replace("\n", "\r\n").encode("cp1251"),
                       f"{COURSES}.txt": RU_COURSES.encode("cp1251")})

    # Russian saved in KOI8-R (KOI8-R has no «» or —: the old files used "" and -).
    koi = RU_MEETING.replace("«", '"').replace("»", '"').replace("—", "-")
    both("koi8r", ru={f"{MEETING}.txt": koi.encode("koi8-r")})

    # A UTF-8 file damaged by one stray byte on line 5: refused, the line named.
    damaged = RU_MEETING.encode("utf-8").split(b"\n")
    damaged[4] = damaged[4][:40] + b"\xff" + damaged[4][40:]
    assert damaged[4][:40].decode("utf-8")
    both("damaged-utf8", ru={f"{MEETING}.txt": b"\n".join(damaged)})

    # Not text at all: a PNG image renamed to .txt.
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
           b"\x1f\xf3\xffa\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
           b"\x00\x00\x00\x00IEND\xaeB`\x82")
    both("binary", ru={f"{MEETING}.txt": png})

    # Invisible and look-alike characters: NBSP and narrow NBSP for spaces, soft
    # hyphens and zero-width characters inside words, a BOM in mid-text, a
    # decomposed «й» (и + combining breve). The TM must equal the ok-utf8 one.
    ru = (RU_MEETING.replace("6 500", "6\u202f500").replace("14 августа", "14\u00a0августа")
          .replace("Секретариате", "Секре\u00adтариате").replace("совещание", "сове\u200bщание")
          .replace("Минске", "Мин\u2060ске").replace("коллективной", "коллективно\u0438\u0306")
          .replace("Участники", "\ufeffУчастники"))
    assert "\u0438\u0306" in ru
    en = (EN_MEETING.replace("6,500", "6,500").replace("14 August", "14\u00a0August")
          .replace("Secretariat", "Secre\u00adtariat").replace("preparations", "prepa\u200crations")
          .replace("Ministers", "Minis\u200dters").replace("Minsk in", "Minsk\u2009in"))
    both("invisible-chars", ru={f"{MEETING}.txt": ru}, en={f"{MEETING}.txt": en})

    # Releases saved as web pages, paired by id with a .txt on the other side.
    both("html-pages",
         ru={f"{MEETING}.txt": None,
             f"{MEETING}.html": RU_MEETING_PAGE.replace('charset="windows-1251"', 'charset="utf-8"')},
         en={f"{COURSES}.txt": None, f"{COURSES}.html": EN_COURSES_PAGE})

    # A page saved by the browser in the encoding it declares (windows-1251).
    both("html-cp1251", ru={f"{MEETING}.txt": None, f"{MEETING}.html": RU_MEETING_PAGE.encode("cp1251")})

    # A hostile page: entity definitions (billion laughs, external file), an iframe,
    # event handlers, javascript: links. Parsed without entities or network.
    hostile = ("<!DOCTYPE html [\n<!ENTITY lol \"lol\">\n<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
               "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n"
               "<html><head><title>x</title></head><body onload=\"alert(1)\">\n"
               "<iframe src=\"http://127.0.0.1:9/\"></iframe><img src=\"http://127.0.0.1:9/x.png\" onerror=\"alert(2)\">\n"
               + "".join(f"<p>{para}</p>\n" for para in EN_MEETING.strip().split("\n\n"))
               + "<p><a href=\"javascript:alert(3)\">&xxe;&lol2;</a></p>\n</body></html>\n")
    both("html-hostile", en={f"{MEETING}.txt": None, f"{MEETING}.html": hostile})

    # A page nested deeper than the parser's huge-tree protection allows: refused,
    # since the parser would stop there and drop the rest of the article unsaid.
    deep = ("<html><body><h1>Training courses completed in Yerevan</h1>\n<p>On 20 September 2024, "
            "two-week training courses were completed.</p>\n" + "<div>" * 300 + "The graduates were awarded "
            "certificates." + "</div>" * 300 + "\n</body></html>\n")
    both("html-too-deep", en={f"{COURSES}.txt": None, f"{COURSES}.html": deep})

    # The same release twice on one side: as .txt and as .html.
    both("same-id-txt-html", en={f"{MEETING}.html": EN_COURSES_PAGE})

    # An English release without a Russian original.
    both("no-counterpart", en={"2024-10-01-extra.txt": "Extra release\n\nOnly in English.\n"})

    # The English of the courses release filed under the meeting release.
    both("wrong-pairing", en={f"{MEETING}.txt": EN_COURSES})

    # Empty files: 0 bytes, only whitespace, only navigation lines.
    both("empty-files",
         ru={"2024-10-02-empty.txt": b"", "2024-10-03-blank.txt": " \r\n\t\n\u00a0\n",
             "2024-10-04-navigation.txt": "Назад\n\nВернуться к списку новостей\n"},
         en={"2024-10-02-empty.txt": "Empty on the Russian side\n\nThis text has no original.\n",
             "2024-10-03-blank.txt": b"", "2024-10-04-navigation.txt": "Go back\n"})

    # File names that are not release ids: skipped with a warning (both sides).
    both("invalid-id", ru={"meeting copy (2).txt": RU_MEETING, "-draft.txt": RU_COURSES},
         en={"meeting copy (2).txt": EN_MEETING, "-draft.txt": EN_COURSES})

    # Text that looks like code, markup or shell: written literally, never run.
    ru_code = RU_COURSES.replace("Выпускникам вручены сертификаты установленного образца.",
                                 "Выпускникам вручены сертификаты $(touch PWNED) `touch PWNED` {{7*7}} "
                                 "__import__('os').system('touch PWNED') ]]> <script>alert(1)</script> &amp; %s%n.")
    en_code = EN_COURSES.replace("The graduates were awarded certificates of the established form.",
                                 "The graduates were awarded certificates $(touch PWNED) `touch PWNED` {{7*7}} "
                                 "__import__('os').system('touch PWNED') ]]> <script>alert(1)</script> &amp; %s%n.")
    both("nothing-evaluated", ru={f"{COURSES}.txt": ru_code}, en={f"{COURSES}.txt": en_code})

    # Control characters (an ESC sequence, a bell) that XML cannot hold.
    both("control-chars", ru={f"{COURSES}.txt": RU_COURSES.replace("Выпускникам", "\x1b[31mВыпускникам\x07")})

    # Glossaries and TBX files.
    put("glossary-stray-column", "glossary.tsv",
        "concept\tlang\tterm\tstatus\tkind\tnote\n"
        "csto\tru\tОДКБ\tpreferred\torg\t\n"
        "csto\ten\tCSTO\tpreferred\torg\t\n"
        "sg\tru\tГенеральный секретарь ОДКБ\tpreferred\ttitle\t\t\n")   # a spreadsheet added a column
    put("tbx-billion-laughs", "glossary.tbx",
        '<?xml version="1.0"?>\n<!DOCTYPE tbx [\n<!ENTITY lol "lol">\n'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
        + ']>\n<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">'
          '<text><body><conceptEntry id="c1"><langSec xml:lang="en"><termSec><term>&lol9;</term>'
          '</termSec></langSec></conceptEntry></body></text></tbx>\n')
    put("tbx-xxe", "glossary.tbx",
        '<?xml version="1.0"?>\n<!DOCTYPE tbx [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">'
        '<text><body><conceptEntry id="c1"><langSec xml:lang="en"><termSec><term>&xxe;</term>'
        '</termSec></langSec></conceptEntry></body></text></tbx>\n')

    # A corpus with no en/ folder.
    put("no-en-folder", f"ru/{MEETING}.txt", RU_MEETING)


if __name__ == "__main__":
    main()
