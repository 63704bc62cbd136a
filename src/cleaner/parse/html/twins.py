"""A story split over sibling containers of one kind: the kept text's container and its twin.

Templates cut a story in two around an embedded module (a side rail, an ad, a "Comments |
Weigh in" box): ``div.article_body > article`` twice under one parent, the box between. Each
extractor takes one half; the vote keeps one. The other half is the sibling of the kept
text's container (or of its parent) with the same tag and a class in common, next to it or
with one element between, holding paragraphs of prose (docs/html.md, Twin containers).
"""
from __future__ import annotations

from cleaner.parse.html.blocks import FRAME_ELEMENT, FRAME_PARENT, FRAME_TAG, Block
from cleaner.parse.html.junk import looks_like_code

PROSE_WORDS = 10  # a paragraph of prose: this many words, under PROSE_MAX_LINKS of it link text
PROSE_MAX_LINKS = 0.2
TWIN_MIN_PARAGRAPHS = 2  # one is a note: an author's bio, "A version of this article appeared in print ..."
TWIN_MIN_PROSE = 0.6  # share of a twin's words in its paragraphs: an article's part, not a list of teasers
MAX_BETWEEN = 1  # sibling elements between the two: the module the template embeds
LEVELS = 2  # the container and its parent: twins further up are a sidebar's widgets (train R717)


def is_long_text(block: Block, tokens: list[str]) -> bool:
    return len(tokens) >= PROSE_WORDS and block.link_chars < PROSE_MAX_LINKS * len(block.text)


def is_prose(block: Block, tokens: list[str]) -> bool:
    return is_long_text(block, tokens) and not looks_like_code(block.text)


def twin_blocks(blocks: list[Block], block_tokens: list[list[str]], keep: list[bool]) -> list[int]:
    """The blocks of the kept text's twin containers, to keep as well."""
    # the kept text's long blocks place its container (the code test, half this function's
    # time, is left to the twins: a code block the vote kept is in the article's container too)
    kept = [i for i, b in enumerate(blocks) if keep[i] and is_long_text(b, block_tokens[i])]
    if not kept or any(blocks[i].frame is None for i in kept):
        return []
    container = _common_frame([blocks[i].frame for i in kept])
    if container is blocks[kept[0]].frame:
        container = container[FRAME_PARENT]  # one paragraph: its container is the element around it
    found: set[int] = set()
    level = container
    for _ in range(LEVELS):
        if level is None or level[FRAME_PARENT] is None:
            break
        found.update(_twins_of(level, blocks, block_tokens, kept[0], kept[-1]))
        level = level[FRAME_PARENT]
    return sorted(found)


def _common_frame(frames: list[tuple]) -> tuple | None:
    """The deepest frame that every one of ``frames`` is or sits in."""
    chain = []
    frame = frames[0]
    while frame is not None:
        chain.append(frame)
        frame = frame[FRAME_PARENT]
    place = {id(f): n for n, f in enumerate(chain)}
    top = 0  # the place in ``chain`` of the frame common to the frames so far
    for frame in frames[1:]:
        while frame is not None and id(frame) not in place:
            frame = frame[FRAME_PARENT]
        if frame is None:
            return None
        top = max(top, place[id(frame)])
    return chain[top]


def _child_of(frame: tuple | None, parent: tuple) -> tuple | None:
    """The frame right under ``parent`` that ``frame`` is or sits in, if any."""
    while frame is not None and frame[FRAME_PARENT] is not parent:
        frame = frame[FRAME_PARENT]
    return frame


def _classes(frame: tuple) -> frozenset[str]:
    return frozenset((frame[FRAME_ELEMENT].get("class") or "").split())


def _twins_of(level: tuple, blocks: list[Block], block_tokens: list[list[str]], first: int, last: int) -> list[int]:
    """The blocks of the nearest siblings of ``level``, before and after it, that are its twins."""
    parent, classes = level[FRAME_PARENT], _classes(level)
    if not classes:
        return []
    found: list[int] = []
    for step, start in ((-1, first - 1), (1, last + 1)):
        i, twin, group, between = start, None, [], set()
        while 0 <= i < len(blocks):
            frame = _child_of(blocks[i].frame, parent)
            if frame is None:
                break  # past the parent's blocks
            if frame is not level:
                if twin is None and (frame[FRAME_TAG] != level[FRAME_TAG] or not classes & _classes(frame)):
                    between.add(id(frame))
                    if len(between) > MAX_BETWEEN:
                        break
                elif twin is None or frame is twin:
                    twin = frame
                    group.append(i)
                else:
                    break  # past the twin
            i += step
        if _holds_prose(group, blocks, block_tokens):
            found += group
    return found


def _holds_prose(group: list[int], blocks: list[Block], block_tokens: list[list[str]]) -> bool:
    paragraphs = [i for i in group if is_prose(blocks[i], block_tokens[i])]
    words = sum(len(block_tokens[i]) for i in group)
    return (len(paragraphs) >= TWIN_MIN_PARAGRAPHS
            and sum(len(block_tokens[i]) for i in paragraphs) >= TWIN_MIN_PROSE * words)
