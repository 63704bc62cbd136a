"""Line cues the body locator reads: comment meta lines, comment-section openers, section ends."""
from __future__ import annotations

import re

from cleaner.heuristics.lines import ends_sentence


# A line that opens the reader-comments section: nothing after it belongs to the article.
_COMMENTS_OPENER = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reader comments|discussion)\b.{0,30}$"
    r"|^(?:leave|post|add|write|submit|show|view|read|see)\s+(?:a|all|the|your|\d+)?\s*"
    r"(?:comments?|reply|responses?)\b.{0,30}$"
    r"|^\d+\s+(?:comments?|responses?|replies)\b"
    r"|^(?:\d+|one|two|three|no)\s+(?:thoughts?|responses?|comments?)\s+(?:on|to)\b",
    re.IGNORECASE,
)


# Per-comment furniture: a timestamp line, 'X said...', 'Reply', 'Permalink'.
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?!\d)")  # '08:24PM' too: the clock may run into AM/PM
_SAID = re.compile(r"\b(?:said|says|wrote|writes)\s*(?:\.{2,}|…|:)$", re.IGNORECASE)
_COMMENT_BUTTONS = frozenset({
    "reply", "permalink", "report", "report abuse", "report comment", "flag", "quote", "like",
    "reply to this comment", "log in to reply", "login to reply",
})


def is_comment_meta(line: str, n_words: int) -> bool:
    """True for the short header or footer lines around each reader comment.

    >>> is_comment_meta("by oldsoftee July 24, 2012 6:16 PM EDT", 8), is_comment_meta("Hippy at Heart said...", 4)
    (True, True)
    >>> is_comment_meta("Reply »", 1), is_comment_meta("The talks resumed at 10:30 on Monday.", 7)
    (True, False)
    >>> is_comment_meta("by tekrat (242117) on Monday July 23, @08:24PM (#40743959)", 10)
    True
    """
    if n_words > 12:
        return False
    if line.endswith((".", "…", ":")) and _SAID.search(line):
        return True
    if ":" in line and _CLOCK.search(line) and not ends_sentence(line):
        return True
    return line.casefold().rstrip(" !.»") in _COMMENT_BUTTONS


# A comment whose header opens its block: html2text and markdownify write a WordPress comment's
# 'Devin says: [November 5, 2012 at 2:40 pm](...)' and its text as one list item.
_HEADED_COMMENT = re.compile(r"(?:\S+ ){0,4}\S+ (?:says|wrote): (?:\S+ ){0,3}?(?:\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4}),?"
                             r" (?:at |@ ?)?\d{1,2}:\d{2}(?!\d)", re.IGNORECASE)


def opens_with_comment_header(line: str) -> bool:
    """True for a block that starts with a comment's header: a name, 'says:' or 'wrote:', a date
    and a time.

    >>> opens_with_comment_header("Devin says: November 5, 2012 at 2:40 pm Go Tom! Kick his butt!")
    True
    >>> opens_with_comment_header("The mayor says: the bridge will open at 10:30 on Monday.")
    False
    """
    return bool(_HEADED_COMMENT.match(line))


# Headers of the sections that follow an article: author box, tags, related stories, sign-up.
_SECTION_END = re.compile(
    r"^(?:about the author|author|written by|tags?|tagged|filed under|topics|related"
    r"|related (?:articles?|posts?|stories|content|coverage|links)|more (?:from|on|stories)\b.*"
    r"|you (?:may|might) also (?:like|enjoy)|recommended(?: for you)?|read (?:more|next|also)"
    r"|share this(?: article| story| post)?|sign up\b.*|subscribe\b.*)\s*[:»]?(?:\s.{0,40})?$",
    re.IGNORECASE,
)


def is_section_end(line: str, n_words: int) -> bool:
    """True for a short header that opens an after-the-article section.

    >>> is_section_end("Author: Dave DeCamp", 3), is_section_end("Related Posts", 2)
    (True, True)
    >>> is_section_end("Related research shows the opposite effect in adults.", 8)
    False
    """
    return n_words <= 8 and not ends_sentence(line) and bool(_SECTION_END.match(line))


def is_comments_opener(line: str) -> bool:
    """True for the header of a comment section.

    >>> [is_comments_opener(s) for s in ("20 Comments +", "Leave a Reply", "Comments", "2 comments:")]
    [True, True, True, True]
    >>> is_comments_opener("Comments by the minister were welcomed by the opposition.")
    False
    """
    return bool(_COMMENTS_OPENER.match(line))
