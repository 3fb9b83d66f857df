"""Follow-up questions: whether a question leans on the conversation, and what it leans on.

A turn is ``(role, content)`` with role ``"user"`` or ``"assistant"``. A question that stands on its own is read,
retrieved and judged exactly as if asked alone: the conversation is not looked at. A question that refers back,
by a pronoun ("What did he say?"), a demonstrative ("When will those operations start?") or by being a fragment
("And the defense minister?"), is resolved against the last exchange. A pronoun the question binds itself does
not refer back: one after an agreeing noun phrase of the question, outside the pronoun's own clause unless it is a
possessive ("What does U.S. intelligence say about Maduro and his top officials?", "Who moved his court?"; not
"Through whom has Maduro been trying to reach him?"); nor does an "it" that stands for a clause ("Why is it
important to …?") or a demonstrative with its own modifier ("those at other schools"). The others are read so:

- a personal pronoun is read as the last person named there (spaCy's entities: the answer first, then the
  question); "they" as the people or group the answer names, else the first the question names; "it"/"they"
  otherwise as the thing the question asked about (its object, else its first noun phrase that is not a person,
  with what hangs on it), or else the answer;
- a demonstrative with a noun is read as the earlier noun phrase with the same head ("those operations" -> "the
  CIA covert operations");
- a fragment is read together with the question it follows.

When the earlier question itself referred back ("How many members sit on its board?"), it is read resolved first,
so a chain of pronouns keeps its first antecedent.

The resolved question is what retrieval and the reader get, so a refusal is judged on the question as resolved;
the earlier turns also steer retrieval, at a lower weight (:data:`qa.retrieve.CONTEXT_WEIGHT`). Answers still come
verbatim from the documents. The question is parsed (spaCy's small English pipeline, loaded on the first
follow-up) only when there is a conversation.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache

Turn = tuple[str, str]
CONTEXT_TURNS = 2  # the last question and its answer
PERSONAL = frozenset({"he", "him", "his", "she", "her", "hers"})
THING = frozenset({"it", "its", "they", "them", "their", "theirs"})
DEMONSTRATIVE = frozenset({"this", "that", "these", "those"})
FRAGMENT_WORDS = 5  # a question of at most this many words without a verb is a fragment
FRAGMENT_OPENERS = ("and ", "what about ", "how about ", "and what about ")
PERSON_LABELS = frozenset({"PERSON"})
AGENT_LABELS = frozenset({"PERSON", "ORG", "NORP"})  # what "they" names when the earlier turn names one
GROUP_LABELS = AGENT_LABELS | {"GPE"}  # what "their" can stand for inside a question ("When did Germany found …?")


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a question was read in its conversation. ``question`` is what retrieval and the reader get;
    ``referring`` the words that pointed back and ``antecedent`` what they were read as ("" when the question
    stands on its own, or was read with the earlier question); ``context`` the earlier turns' text for retrieval."""

    question: str
    referring: str = ""
    antecedent: str = ""
    context: str = ""

    @property
    def leaned_on_history(self) -> bool:
        return bool(self.context)


def resolve(question: str, history: list[Turn]) -> Resolution:
    """``question`` read in its conversation (see the module's docstring)."""
    if not history or not any(content.strip() for _, content in history):
        return Resolution(question)
    parsed = _parser()(question)
    reference = _reference(parsed)
    fragment = _is_fragment(parsed)
    if reference is None and not fragment:
        return Resolution(question)
    asked, answered, before = _last_exchange(history)
    if asked and before:  # a chain: "How many members sit on its board?", then "Who chairs it?"
        earlier = resolve(asked, before)
        asked = earlier.question if earlier.referring else asked  # a pronoun replaced, not a fragment joined
    context = f"{asked} {answered}".strip()
    if reference is not None:
        start, end, kind, word = reference
        antecedent = _antecedent(kind, word, parsed[start:end], asked, answered)
        if antecedent:
            possessive = word in ("his", "her", "hers", "its", "their", "theirs") and kind != "demonstrative"
            replacement = antecedent + ("'s" if possessive else "")
            before, after = question[: parsed[start].idx], question[parsed[end - 1].idx + len(parsed[end - 1]) :]
            return Resolution(f"{before}{replacement}{after}", parsed[start:end].text, antecedent, context)
    if fragment and asked:
        return Resolution(f"{asked} {question}", context=context)
    return Resolution(question, context=context)


def _last_exchange(history: list[Turn]) -> tuple[str, str, list[Turn]]:
    """The last question the conversation got an answer to, that answer (a refused turn, an off-topic one say,
    sets no topic to refer back to), and the turns before that question; else the last question."""
    pairs, question, asked_at = [], "", 0
    for position, (role, content) in enumerate(history):
        if role == "user":
            question, asked_at = content.strip(), position
        elif role == "assistant" and question:
            pairs.append((question, content.strip(), history[:asked_at]))
            question = ""
    if question:
        pairs.append((question, "", history[:asked_at]))
    answered = [pair for pair in pairs if pair[1]]
    return answered[-1] if answered else (pairs[-1] if pairs else ("", "", []))


def follow_up_context(question: str, history: list[Turn]) -> str:
    """Text of the recent turns when ``question`` refers back to them, else ``""``."""
    return resolve(question, history).context


def _reference(parsed) -> tuple[int, int, str, str] | None:
    """The first words of the question that point back: ``(start, end, kind, word)`` in tokens. A pronoun the
    question binds itself ("What does U.S. intelligence say about Maduro and his top officials?") does not."""
    for token in parsed:
        word = token.lower_
        if token.pos_ == "PRON" and word in PERSONAL and not _bound_in_question(token):
            return token.i, token.i + 1, "person", word
        if token.pos_ == "PRON" and word in THING and not _expletive(token) and not _bound_in_question(token):
            return token.i, token.i + 1, "thing", word
        if word in DEMONSTRATIVE and token.tag_ == "DT":
            if token.dep_ == "det" and token.head.pos_ in ("NOUN", "PROPN"):
                return token.i, token.head.i + 1, "demonstrative", word
            # "those at other schools", "those suffering from it" say what they mean where they stand
            if token.pos_ == "PRON" and not any(child.dep_ in ("prep", "acl", "relcl") for child in token.children):
                return token.i, token.i + 1, "thing", word
    return None


def _expletive(token) -> bool:
    """An "it" that stands for a clause, not a thing: "Is it true that …?", "Was it hard to …?", "Why is it
    important to …?", "How many years did it take for the plague to spread?"."""
    if token.dep_ == "expl":
        return True
    if token.lower_ != "it":
        return False
    head = token.head
    if any(child.dep_ in ("ccomp", "xcomp", "csubj") for child in head.children):
        return True
    if head.lemma_ == "take" and any(child.dep_ == "advcl" for child in head.children):
        return True
    adjective = head if head.pos_ == "ADJ" else next((c for c in head.children if c.dep_ == "acomp"), None)
    after = token.doc[adjective.i + 1] if adjective is not None and adjective.i + 1 < len(token.doc) else None
    return after is not None and after.lower_ in ("to", "for", "that")


def _bound_in_question(pronoun) -> bool:
    """Whether an earlier noun phrase of the question can be what ``pronoun`` stands for: one that agrees with it
    (a person or "who" for "he"/"his"; a singular noun or a named thing for "it"/"its"; plural nouns, a group,
    "who", or for "their" its clause's own subject), is not what the question asks for unless it is the subject,
    and, unless the pronoun is a possessive, sits outside the pronoun's own clause, where a plain pronoun cannot
    mean its subject or object ("Through whom has Maduro been trying to reach him?" asks about someone else;
    "When did Maduro say he would leave?" about Maduro)."""
    word, doc = pronoun.lower_, pronoun.doc
    possessive = pronoun.dep_ == "poss" or pronoun.tag_ == "PRP$"
    people = {token.i for entity in doc.ents if entity.label_ in PERSON_LABELS for token in entity}
    groups = {token.i for entity in doc.ents if entity.label_ in GROUP_LABELS for token in entity}
    entities = {token.i for entity in doc.ents for token in entity}
    for chunk in doc.noun_chunks:
        root = chunk.root
        if root.i >= pronoun.i:
            continue
        if _asks_which(chunk) or root.tag_ in ("WP", "WDT"):
            # what the question asks for binds only as the subject: "Who moved his court?", "Which companies
            # never expanded their platform?"; not "Which group is it linked to?"
            if root.dep_ not in ("nsubj", "nsubjpass"):
                continue
        elif root.pos_ == "PRON":
            continue
        if root.lower_ == "who":
            agrees = word in PERSONAL or word in ("they", "them", "their", "theirs")
        elif word in PERSONAL:
            agrees = root.i in people
        elif word in ("it", "its"):
            agrees = root.tag_ in ("NN", "NNP") or (root.i in entities and root.i not in people)
        else:  # "their" of a clause's own subject, a collective one too: "When did BSkyB end their service?"
            own_subject = word == "their" and root.dep_ in ("nsubj", "nsubjpass") and root.i not in people and (
                _clause(root).i == _clause(pronoun).i)
            agrees = own_subject or root.tag_ in ("NNS", "NNPS") or (root.i in groups and root.i not in people)
        if agrees and (possessive or _clause(root).i != _domain(pronoun).i):
            return True
    return False


def _domain(pronoun):
    """The clause a plain pronoun must not be bound in: its own, or for "him"/"her"/"them" as the subject of a
    bare clause ("Who helped them move the cocaine?") the clause that governs it."""
    if pronoun.dep_ == "nsubj" and pronoun.lower_ in ("him", "her", "them") and pronoun.tag_ == "PRP":
        return _clause(pronoun.head.head)
    return _clause(pronoun)


def _clause(token):
    """The verb heading ``token``'s clause; a verb that shares its subject ("trying to reach") is one clause."""
    head = token
    while head.head.i != head.i and not (head.pos_ in ("VERB", "AUX") and head.dep_ not in ("xcomp", "aux", "auxpass")):
        head = head.head
    return head


def _is_fragment(parsed) -> bool:
    words = [token for token in parsed if not token.is_punct]
    opens = parsed.text.lower().lstrip().startswith(FRAGMENT_OPENERS)
    verbless = not any(token.pos_ in ("VERB", "AUX") for token in words)
    return bool(words) and (opens or (verbless and len(words) <= FRAGMENT_WORDS))


def _antecedent(kind: str, word: str, span, asked: str, answered: str) -> str:
    parse = _parser()
    if kind == "person":  # not a person the question names itself: "reach him" is not Maduro in "Has Maduro …?"
        for text in (answered, asked):
            people = [entity.text for entity in parse(text).ents
                      if entity.label_ in PERSON_LABELS and entity.text not in span.doc.text] if text else []
            if people:
                return people[-1]
        return ""
    if kind == "demonstrative":
        head = span.root.lemma_.lower()
        for text in (asked, answered):
            for chunk in reversed(list(parse(text).noun_chunks) if text else []):
                if chunk.root.lemma_.lower() == head and chunk.root.lower_ not in DEMONSTRATIVE:
                    # "that group" after "Which group …?": the group the answer named
                    return answered if _asks_which(chunk) and answered else chunk.text
        return ""
    if word in ("they", "them", "their", "theirs") and answered and any(
            entity.label_ in AGENT_LABELS for entity in parse(answered).ents):
        return answered  # "What were they accused of?" after an answer naming people
    asked_parse = parse(asked) if asked else None
    if word in ("they", "them", "their", "theirs") and asked_parse is not None:
        agents = [entity for entity in asked_parse.ents if entity.label_ in AGENT_LABELS]
        if agents:  # "When did they sign …?" after "What did the FARC use the border region for?": the group
            return _with_article(agents[0])
    people = {token.i for entity in (asked_parse.ents if asked_parse else ()) if entity.label_ in PERSON_LABELS
              for token in entity}
    chunks = [chunk for chunk in (asked_parse.noun_chunks if asked_parse else ()) if chunk.root.pos_ != "PRON"
              and chunk.root.tag_ not in ("WP", "WDT") and chunk.root.i not in people and not _asks_how(chunk)]
    if chunks:  # what the question asked about: its object, else its first thing, with what hangs on it
        chunk = next((c for c in chunks if c.root.dep_ == "dobj"), chunks[0])
        if _asks_which(chunk):  # "Which group is it linked to?" asked for the thing: the answer names it
            return answered
        return asked_parse[chunk.start : chunk.root.right_edge.i + 1].text.rstrip("?! ")
    return answered


def _with_article(entity) -> str:
    """An entity's text with the article before it ("the FARC"), as the earlier question wrote it."""
    before = entity.doc[entity.start - 1] if entity.start > 0 else None
    return f"{before.text} {entity.text}" if before is not None and before.lower_ == "the" else entity.text


def _asks_which(chunk) -> bool:
    """A noun phrase the question asks to be named: "which group", "what report"."""
    return any(token.tag_ in ("WDT", "WP", "WP$") for token in chunk)


def _asks_how(chunk) -> bool:
    """A noun phrase the question asks to be counted or measured ("how many members", "how much sediment"): the
    answer is a quantity, not a thing to refer back to."""
    return chunk.start > 0 and chunk.doc[chunk.start - 1].tag_ == "WRB" or any(t.tag_ == "WRB" for t in chunk)


@cache
def _parser():
    """spaCy's small English pipeline. Its machine-learning library would import torch when it can (and keep
    300 MB for nothing here): where the process has not loaded torch, it is kept out while spaCy loads."""
    blocked = "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None
    try:
        import spacy

        from index.parses import SPACY_MODEL

        return spacy.load(SPACY_MODEL)
    finally:
        if blocked and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
