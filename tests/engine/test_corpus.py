"""Loading article files: front matter, repairs, debris, and clear errors for bad files."""

import random
import re
from pathlib import Path

import pytest

from bot.engine import corpus
from bot.engine.corpus import CorpusError, load_corpus, parse_article

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def parse(text: str, name: str = "story.md"):
    return parse_article(text.encode("utf-8"), Path(name))


def paragraphs(article) -> list[str]:
    return [article.text[start:end] for start, end in article.paragraphs]


def test_front_matter_gives_metadata():
    """title, outlet, date and url come from the front matter."""
    article = parse(
        "---\ntitle: Raids delayed\noutlet: WTOP\ndate: 2019-06-22\nurl: https://example.org/a\n---\n"
        "The raids were delayed.\n"
    )
    assert (article.title, article.outlet, article.date, article.url) == (
        "Raids delayed",
        "WTOP",
        "2019-06-22",
        "https://example.org/a",
    )
    assert paragraphs(article) == ["The raids were delayed."]
    assert article.body == "The raids were delayed.\n"


def test_plain_file_takes_its_title_from_the_headline():
    """Without front matter a headline first line becomes the title, not body text."""
    article = parse("Cities refuse to cooperate\n\nMayors said no to ICE.\n", "plain.txt")
    assert article.title == "Cities refuse to cooperate"
    assert paragraphs(article) == ["Mayors said no to ICE."]


def test_plain_file_without_headline_is_titled_by_file_name():
    """A file that starts with a sentence keeps it and is titled by its file name."""
    article = parse("Mayors said no to ICE.\n", "mayors-said-no.txt")
    assert article.title == "mayors-said-no"
    assert paragraphs(article) == ["Mayors said no to ICE."]


def test_lines_broken_mid_sentence_are_mended():
    """Hard-wrapped lines and a paragraph split mid-sentence join into one sentence."""
    article = parse(
        "---\ntitle: t\n---\nPresident Donald\nTrump tweeted. ICE officers are heroes and the\n\n"
        "President's move helps.\n\nA new paragraph.\n"
    )
    assert paragraphs(article) == [
        "President Donald\nTrump tweeted. ICE officers are heroes and the\n\n"
        "President's move helps.",
        "A new paragraph.",
    ]


def test_characters_stay_as_the_file_has_them():
    """Curly quotes, apostrophes, dashes, accents and odd spaces are kept; only debris goes."""
    line = "She said \u201ccruel\u201d \u2014 and  Trump\u2019s\u00a0plan, Jos\u00e9 said."
    article = parse(
        f"---\ntitle: t\n---\n{line}\nLOADINGERROR LOADING\n\nPopular in the Community\n\n"
        "What's Hot\n"
    )
    assert paragraphs(article) == [line]
    assert article.span_text(*article.paragraphs[0]) == " ".join(line.split())


@pytest.mark.parametrize(
    "debris",
    [
        "Save Story",
        "Estimated read time: 3 minutes",
        "This article is more than 5 years old",
        "Protesters gathered outside the field office on Saturday. (AP Photo/Jane Roe)",
        "FILE - In this June 2019 photo, agents stand outside a building.",
        "By Jane Roe and John Q. Public, KXYZ 7 News",
        "Updated: June 22, 2019 5:04 PM",
        "WATCH: Mayor speaks about the raids",
        "Share this story on Facebook",
        "Leer en espa\u00f1ol",
        "{snip}",
        "Advertisement",
        "Related: ICE director defends operation",
        "Image 3 of 12",
        "Riverton Courier › News › Local",
        "- Riverton Digital Partners -",
        "Credit: Riverton Courier",
        "Find out what's happening in Rivertonfor free with the latest updates from Patch.",
        "Shared from the 7/15/2019 Riverton Chronicle eEdition",
        "Author: Jane Roe",
        "By",
        "July 15, 2019 - 10:21 AM",
        "Sunday, June 23, 2019",
        "Men change money after arriving in the city, Tuesday, July 16. Associated press",
        "07/11/2019",
        "Mayor Dana Whitfield at City Hall Photo By The Riverton Courier",
        "May 29, 2018 - Riverton - The mayor greets guests. (Credit Image: © Jo Doe via Wire)",
        "\u00a9 2019 Cable News Network. All Rights Reserved.",
        "Agents wait outside the courthouse in Riverton. Getty Images",
        "Protesters outside City Hall on Saturday. Jo Doe / Reuters",
        "Photo: Jane Roe for the Riverton Courier",
        "Image | Riverton Courier",
        "Photograph: Jo Doe",
        "Protesters gather outside City Hall on Saturday. (Photo: Jane Roe)",
        "The mayor speaks to reporters on Friday. (Image: Riverton Courier)",
        "Agents leave the field office on Sunday. (AFP Photo)",
        "Families wait outside the courthouse. (Reuters photo)",
        "Accueil › Actualités",
        "Home » News » Local",
        "Zum Weiterlesen:",
        "À lire aussi » Ballonnements, lourdeurs... Quel est votre profil digestif ?",
        "Lea también: Impiden ingreso a Riverton a reportero estadounidense",
        "Auch interessant:",
        "You may also like",
        "Quelle: Landesregierung",
        "Titelbild: Jo Doe/ABACA/picture-alliance",
        "Kategorie: News",
        "© Bundesrat | Frank Bräuer",
        "2021-10-16 | Botschaft",
        "24. März 2004, 19:49 | Genesis",
        "Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)",
        "To view the full story, please subscribe to The Riverton Courier. Plans from $5.",
        "Follow The Riverton Courier on Twitter and Instagram @RivCourier.",
        "For the latest stories download the Riverton Courier app for iOS and Android.",
        "Do you want to be told of our actions? Sign up here",
        "Mayor Dana Whitfield at City Hall. © AFP / JO DOE",
        "The mayor opened the park on Friday (Foto: Stadt Riverton)",
        "Telefon: +49 - (40) - 300 30 - 1141",
        "E-Mail: presse@riverton.example",
        "Vorschau auf den nächsten Artikel",
        "Video verfügbar bis 28.02.2021",
        "Top-Themen bei RIVERTON COURIER",
        "Mehr zum Thema auf Riverton.example",
        "Lea: Consejo Permanente aborda este miércoles la confiscación",
        "(Alle Angaben ohne Gewähr)",
        ">> Wegen Corona: Kult-Lokal in Riverton muss schließen <<",
        "Aktualisiert am 2.02.2022 / Bei den Verlinkungen handelt es sich um Affiliate Links",
        "This article is the copyrighted property of The Riverton Courier.",
    ],
)
def test_page_debris_lines_are_never_article_text(debris):
    """Captions, bylines, notices, video labels, share prompts and ad markers are left out."""
    article = parse(
        f"The mayor spoke on Friday.\n\n{debris}\n\nShe said the city would not help.\n"
    )
    assert paragraphs(article) == [
        "The mayor spoke on Friday.",
        "She said the city would not help.",
    ]


# Captions made by construction: a picture's description, then its credit in any of the
# shapes news pages give it; or a line that is only a label. Whether a line is furniture is
# known from how it was made, never from the loader's own patterns.
SUBJECTS = ["Protesters", "Agents", "Families", "Mayor Dana Whitfield", "Volunteers", "A girl"]
VERBS = ["gather outside", "wait near", "leave", "speak at", "walk past"]
PLACES = ["City Hall", "the courthouse", "the field office in Riverton", "a church"]
TIMES = ["", " on Saturday", " on June 22, 2019", " in Riverton, Texas, Sunday, July 14, 2019"]
NAMES = ["Jane Roe", "Jo Doe", "Mark Lennihan", "J. Scott Applewhite"]
OUTLETS = ["Riverton Courier", "The Riverton Courier", "KXYZ 7 News"]
CREDITS = [
    "(AP Photo/{name})",
    "(AP Photo)",
    "(AFP Photo)",
    "(AFP Photo/{name})",
    "(Reuters photo)",
    "(Reuters photo/{name})",
    "(Photo: {name})",
    "(Photo: {name}/{outlet})",
    "(Image: {outlet})",
    "(Photo by {name})",
    "(Credit: {name})",
    "(Photo credit: {outlet})",
    "(Credit Image: © {name} via Wire)",
    "Photo by {name}",
    "Photo courtesy of the {outlet}",
    "Getty Images",
    "{name} / Reuters",
    "{name}/AFP",
    "The Associated Press",
    "AP",
]
LABELS = [
    "Photo: {name} for the {outlet}",
    "Photo: {caption}",
    "Photograph: {name}",
    "Photograph | {name}/{outlet}",
    "Photos by {name}",
    "Photo credit: {name}",
    "Credit: {outlet}",
    "Image | {outlet}",
    "Image: {outlet}",
    "Image 3 of 12",
    "File photo: {caption}",
    "Video: {caption}",
]
# Article sentences that merely use a caption's words; they are quotable.
PROSE = [
    "The mayor said the photo was taken on Saturday.",
    "Reuters reported that the raids had been delayed by two weeks.",
    "She shared an image of the letter and said it was real.",
    "An AP reporter asked the sheriff whether deputies would help.",
    "The photographer, Jane Roe, said agents asked her to leave.",
    "Photos of the raids spread on social media, the mayor said.",
    "The image of families hiding at home stayed with her, she said.",
]


def between_two_sentences(line: str) -> list[str]:
    return paragraphs(
        parse(f"The mayor spoke on Friday.\n\n{line}\n\nShe said the city would not help.\n")
    )


@pytest.mark.parametrize("seed", range(4))
def test_captions_in_every_shape_are_left_out_and_prose_about_photos_stays(seed):
    """Captions with their credit at the end ("(AFP Photo)", "Jo Doe / Reuters") and label
    lines ("Photo: Jane Roe for the Riverton Courier", "Image | ...") are never quoted;
    sentences that only talk about a photo or Reuters are."""
    rng = random.Random(seed)
    for _ in range(150):
        caption = (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(PLACES)}{rng.choice(TIMES)}."
        )
        words = {"name": rng.choice(NAMES), "outlet": rng.choice(OUTLETS), "caption": caption}
        credited = f"{caption} {rng.choice(CREDITS).format(**words)}"
        for line in (credited, rng.choice(LABELS).format(**words)):
            assert between_two_sentences(line) == [
                "The mayor spoke on Friday.",
                "She said the city would not help.",
            ], line
        assert caption in between_two_sentences(caption)  # without its credit: text
    for line in PROSE:
        assert line in between_two_sentences(line)


# Words that captions, credits and copyright lines are made of, and some that they are not.
CAPTION_WORDS = (
    "photo photos by courtesy of ( ) (credit credit image images . the associated press ap "
    "reuters afp getty shutterstock / all rights reserved jane roe mayor said 2019 : | - ©"
).split()
EVERY_SHAPE = re.compile(
    f"(?:{corpus._DEBRIS_SHAPES.pattern})|(?:{corpus._DEBRIS_ENDINGS.pattern})", re.VERBOSE
)


def test_the_quick_word_check_before_the_ending_shapes_drops_no_caption():
    """Trying the costly ending shapes only on lines holding one of their words finds every
    line that trying every shape on every line finds (what each shape catches is tested by
    the captions above, not here)."""
    rng = random.Random(5)
    lines = [
        corpus._fold_line(
            "".join(
                rng.choice(CAPTION_WORDS) + rng.choice(("", " ", " ", "  "))
                for _ in range(rng.randrange(1, 14))
            )
        )
        for _ in range(40_000)
    ]
    found = [corpus._is_debris_shape(line) for line in lines]
    assert found == [bool(EVERY_SHAPE.fullmatch(line)) for line in lines]
    only_endings = [
        line
        for line in lines
        if corpus._DEBRIS_ENDINGS.fullmatch(line) and not corpus._DEBRIS_SHAPES.fullmatch(line)
    ]
    assert len(only_endings) > 1000


def test_debris_shaped_words_inside_a_wrapped_sentence_are_kept():
    """A hard-wrapped line that only looks like a prompt ("post on ...") continues its sentence."""
    article = parse(
        "The president took to\npost on Twitter that raids would start.\n\nMore text here.\n"
    )
    assert (
        paragraphs(article)[0] == "The president took to\npost on Twitter that raids would start."
    )


def test_list_bullets_are_not_part_of_a_quote():
    """A bulleted line's "•" is left out of the paragraph, as block-quote markers are."""
    article = parse("The mayor spoke.\n\n  • She said the city would not help.\n")
    assert paragraphs(article) == ["The mayor spoke.", "She said the city would not help."]


def test_a_snip_marker_splits_a_paragraph_and_is_in_neither_part():
    """A blog's {snip} inside a paragraph is never part of a quote."""
    article = parse("The mayor spoke. {snip} She said no.\n")
    assert paragraphs(article) == ["The mayor spoke.", "She said no."]


def test_leading_dateline_becomes_the_date():
    """A pasted " date 2019-06-22" prefix is metadata, not body text."""
    article = parse(" date 2019-06-22 (Bloomberg) -- Trump spoke.\n", "b.txt")
    assert article.date == "2019-06-22"
    assert article.outlet == "Bloomberg"
    assert paragraphs(article) == ["(Bloomberg) -- Trump spoke."]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\ntitle: t\nno colon here\n---\nBody.", "line 3 is not 'key: value'"),
        ("---\ntitle: t\nBody.", "never closes"),
        ("---\nauthor: me\n---\nBody.", "unknown key 'author'"),
        ("---\ndate: June 22\n---\nBody.", "not YYYY-MM-DD"),
        ("---\ndate: 2019-02-30\n---\nBody.", "not YYYY-MM-DD"),
        ("---\nurl: example.org\n---\nBody.", "not an http(s) address"),
        ("---\ntitle: t\n---\n\n", "has no article text"),
    ],
)
def test_malformed_front_matter_names_file_and_problem(text, problem):
    """A broken file is refused with its name and what is wrong."""
    with pytest.raises(CorpusError) as caught:
        parse(text, "broken.md")
    assert "broken.md" in str(caught.value)
    assert problem in str(caught.value)


def test_non_utf8_file_is_refused():
    """A file that is not UTF-8 text gets a clear refusal."""
    with pytest.raises(CorpusError, match="not UTF-8"):
        parse_article("caf\xe9".encode("latin-1"), Path("latin.txt"))


def test_corpus_errors_name_every_bad_file(tmp_path):
    """load_corpus reports all bad files at once, so a moderator can fix them together."""
    (tmp_path / "good.md").write_text("Fine text.\n")
    (tmp_path / "bad1.md").write_text("---\nwho: x\n---\nText.\n")
    (tmp_path / "bad2.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert [name for name, _ in caught.value.problems] == ["bad1.md", "bad2.txt"]


def test_empty_or_missing_folder_is_refused(tmp_path):
    """A folder with no articles, or no folder at all, is an error, not an empty index."""
    with pytest.raises(CorpusError, match="holds no"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="is not a folder"):
        load_corpus(tmp_path / "missing")


def test_bundled_corpus_loads_clean():
    """The five bundled articles load with no debris and the metadata they show."""
    articles = load_corpus(CORPUS)
    assert len(articles) == 5
    for article in articles:
        text = "\n".join(paragraphs(article))
        for debris in ("LOADINGERROR", "Popular in the Community", "What's Hot", " date 2019"):
            assert debris not in text
    outlets = {a.outlet for a in articles}
    assert {"Bloomberg", "WTOP"} <= outlets


def test_section_headings_in_capitals_are_left_out_but_a_capital_headline_is_the_title():
    """A newsletter's "2. WHO IS ON THE LIST" is no quote; a first line in capitals is the title."""
    article = parse(
        "RAIDS SET FOR SUNDAY\n\nAgents will start on Sunday.\n\n2. WHO IS ON THE LIST\n"
        "About 2,000 people with removal orders.\n"
    )
    assert article.title == "RAIDS SET FOR SUNDAY"
    assert paragraphs(article) == [
        "Agents will start on Sunday.",
        "About 2,000 people with removal orders.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "ALAJUELENSE 3-1 PÉREZ ZELEDÓN",  # a score
        "1 545 500 EUROS",  # an amount
        "YAGNA_PAYMENT_DRIVER",  # a setting's name
    ],
)
def test_a_capitals_line_of_data_is_text(line):
    """A score, an amount or a name in capitals is quotable, not taken for a section heading."""
    article = parse(f"The results came in on Sunday.\n\n{line}\n\nThe fans went home.\n")
    assert paragraphs(article) == ["The results came in on Sunday.", line, "The fans went home."]


def test_a_heading_with_guillemets_is_text_not_a_breadcrumb():
    """French quotation marks around words are quotation marks, not "Home » News" arrows."""
    heading = "Le « Grand Paris » et la « ville du quart d'heure » en débat"
    article = parse(f"---\ntitle: t\n---\nLe conseil a voté.\n\n{heading}\n\nLe maire a parlé.\n")
    assert paragraphs(article) == ["Le conseil a voté.", heading, "Le maire a parlé."]


def test_a_label_that_ends_the_text_is_left_out():
    """A last "Mehr Themen:" introduces links that are not there; a long sentence ending in a
    colon stays."""
    sentence = "Einen Überblick über die Schnittstelle und mehr Informationen finden Sie hier:"
    article = parse(f"Der Rat tagte.\n\n{sentence}\n\nMehr Themen:\n")
    assert paragraphs(article) == ["Der Rat tagte.", sentence]


def test_a_label_before_furniture_is_furniture_too():
    """A "Weitere Informationen:" whose next line is a source credit introduces nothing."""
    article = parse(
        "Die Hersteller fahren die Produktion hoch.\n\nWeitere Informationen zum Thema:\n\n"
        "Quelle: MDR THÜRINGEN/ls\n\nDer Handel öffnet am Montag.\n"
    )
    assert paragraphs(article) == [
        "Die Hersteller fahren die Produktion hoch.",
        "Der Handel öffnet am Montag.",
    ]
    before_a_heading = parse("The council met.\n\nMore on this:\n\nWHO IS ON THE LIST\n\nNo one.\n")
    assert paragraphs(before_a_heading) == ["The council met.", "No one."]


def test_a_tweet_signature_line_stays_with_its_tweet():
    """A tweet's "— Name (@handle) date" line joins the tweet, not a paragraph of its own."""
    tweet = (
        "We will not help with the raids!\n— Mayor Dana Whitfield (@RivertonMayor) June 22, 2019"
    )
    article = parse(f"The mayor posted on Saturday.\n\n{tweet}\n\nMore text followed.\n")
    assert paragraphs(article) == ["The mayor posted on Saturday.", tweet, "More text followed."]


def test_the_top_of_a_pasted_page_gives_the_headline_not_its_labels():
    """A section label and a headline without full stops are not glued to the first sentence."""
    article = parse(
        "Politics & Government\nRiverton braces for raids, hotline set up\n"
        "Riverton is one of ten cities on the list.\nThe mayor spoke on Friday.\n"
    )
    assert article.title == "Riverton braces for raids, hotline set up"
    assert paragraphs(article) == [
        "Riverton is one of ten cities on the list.",
        "The mayor spoke on Friday.",
    ]


@pytest.mark.parametrize("seed", range(50))
def test_shown_text_collapses_every_kind_of_white_space(seed):
    """Tabs, newlines, no-break and ideographic spaces all show as one plain space."""
    rng = random.Random(seed)
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\u200b", "a", "b", "é"]
    text = "".join(rng.choice(spaces) for _ in range(rng.randrange(0, 60)))
    assert corpus.collapse_spaces(text) == re.sub(r"\s+", " ", text).strip()


def test_furniture_shapes_compile_when_first_used_and_match_as_compiled():
    """The furniture shapes are compiled only when an article is parsed (not by a question's
    start-up), and then find exactly what the same expression compiled at once finds."""
    lazy = corpus._Pattern(corpus._DEBRIS_SHAPES.pattern, re.VERBOSE)
    assert "fullmatch" not in vars(lazy)  # nothing compiled yet
    eager = re.compile(corpus._DEBRIS_SHAPES.pattern, re.VERBOSE)
    lines = ["reading time: 4 min", "3 min read", "the mayor said no", "", "Reading time: 4 min"]
    assert [bool(lazy.fullmatch(line)) for line in lines] == [True, True, False, False, False]
    assert [bool(eager.fullmatch(line)) for line in lines] == [True, True, False, False, False]
    assert "fullmatch" in vars(lazy)  # compiled once, then the compiled pattern's own method
    text = "to continue reading, subscribe. click here now"
    pleas = re.compile(corpus._PLEAS.pattern, re.VERBOSE)
    assert [m.span() for m in corpus._PLEAS.finditer(text)] == [
        m.span() for m in pleas.finditer(text)
    ]
    assert corpus._PLEAS.search(text).group() == pleas.search(text).group()


def test_article_files_are_txt_and_md_files_by_name_never_hidden_or_underscored(tmp_path):
    """Articles are the folder's .txt and .md files in any case, by name; hidden files,
    files starting with an underscore, other suffixes and folders are not articles."""
    names = [
        "b.MD", "a.txt", "c.tar.md", "d.md.bak", "e.Txt", ".md", ".hidden.md", "_draft.md",
        "md", "notes.mdx", "x..txt", "ztxt", "f. md",
    ]  # fmt: skip
    for name in names:
        (tmp_path / name).write_text("text", "utf-8")
    (tmp_path / "folder.md").mkdir()
    found = [path.name for path in corpus.article_files(tmp_path)]
    assert found == ["a.txt", "b.MD", "c.tar.md", "e.Txt", "x..txt"]
