"""Follow-up questions: whether a question leans on the conversation, and what it leans on.

A turn is ``(role, content)`` with role ``"user"`` or ``"assistant"``. A question that stands on its own is read,
retrieved and judged exactly as if asked alone: the conversation is not looked at. A question that refers back,
by a pronoun ("What did he say?"), a demonstrative ("When will those operations start?") or by being a fragment
("And the defense minister?"), is resolved against the last exchange. A pronoun the question binds itself does
not refer back: one after an agreeing noun phrase of the question, outside the pronoun's own clause unless it is a
possessive ("What does U.S. intelligence say about Maduro and his top officials?", "Who moved his court?"; not
"Through whom has Maduro been trying to reach him?"); nor does an "it" that stands for a clause ("Why is it
important to …?") or a demonstrative with its own modifier ("those at other schools"). The others are read so:

- a personal pronoun is read as the last person named there (spaCy's entities, or a name the documents' parses
  label a person anywhere, which a short question's parse often does not: the answer first, then the question),
  else in the exchanges before it (:data:`LOOKBACK`); "they" as the people or group the answer names,
  else the first the question names; "it"/"they" otherwise as what a "which …?" question was answered with, else
  the thing the question asked about (its object, else its first noun phrase that is not a person, with what hangs
  on it), or else the answer;
- a demonstrative with a noun is read as the earlier noun phrase with the same head ("those operations" -> "the
  CIA covert operations"), looked for in the same exchanges as a person;
- every such word of the question is read, a pronoun agreeing with an earlier one of it as that one ("When did
  they sign their agreement?");
- a fragment ("And the defense minister?", "In what month?", "And after the dredging?") takes the place of what it
  stands in parallel with in the question just before it, answered or not (:func:`_completed`); with nothing in
  parallel it is read together with that question.

When the earlier question itself referred back ("How many members sit on its board?"), it is read resolved first,
so a chain of pronouns keeps its first antecedent.

The resolved question is what retrieval and the reader get, so a refusal is judged on the question as resolved;
the earlier turns also steer retrieval, at a lower weight (:data:`qa.retrieve.CONTEXT_WEIGHT`). Answers still come
verbatim from the documents. The question is parsed (spaCy's small English pipeline, loaded on the first
follow-up) only when there is a conversation.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

Turn = tuple[str, str]
PERSONAL = frozenset({"he", "him", "his", "she", "her", "hers"})
THING = frozenset({"it", "its", "they", "them", "their", "theirs"})
DEMONSTRATIVE = frozenset({"this", "that", "these", "those"})
PLURAL = frozenset({"they", "them", "their", "theirs", "these", "those"})
AGREEING = (frozenset({"he", "him", "his"}), frozenset({"she", "her", "hers"}), frozenset({"it", "its"}),
            frozenset({"they", "them", "their", "theirs"}))
LOOKBACK = 3  # exchanges a person or "that study" is looked for in, the last first
FRAGMENT_WORDS = 5  # a question of at most this many words without a verb is a fragment
FRAGMENT_OPENERS = ("and ", "what about ", "how about ", "and what about ")
FRAGMENT_LEAD = frozenset({"and", "but", "so", "also", "then"})
QUESTION_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
TIME_PREPOSITIONS = frozenset({"after", "before", "during", "since", "until", "till", "by"})
TIME_ADVERBS = frozenset({"now", "today", "currently", "then", "nowadays", "still", "yet", "originally", "first"})
PERSON_LABELS = frozenset({"PERSON"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})  # a name the documents give a person is not one of these here
AGENT_LABELS = frozenset({"PERSON", "ORG", "NORP"})  # what "they" names when the earlier turn names one
GROUP_LABELS = AGENT_LABELS | {"GPE"}  # what "their" can stand for inside a question ("When did Germany found …?")


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a question was read in its conversation. ``question`` is what retrieval and the reader get;
    ``readings`` each group of words that pointed back with what it was read as, in the question's order (none
    when the question stands on its own, or was read with the earlier question); ``context`` the earlier turns'
    text for retrieval."""

    question: str
    readings: tuple[tuple[str, str], ...] = ()
    context: str = ""
    completed: bool = False  # a fragment made a whole question from the one it follows

    @property
    def referring(self) -> str:
        """The first words that pointed back ("he"), "" when none did."""
        return self.readings[0][0] if self.readings else ""

    @property
    def antecedent(self) -> str:
        """What :attr:`referring` was read as."""
        return self.readings[0][1] if self.readings else ""

    @property
    def leaned_on_history(self) -> bool:
        return bool(self.context)


def resolve(question: str, history: Sequence[Turn], people: frozenset[str] = frozenset()) -> Resolution:
    """``question`` read in its conversation (see the module's docstring). ``people``: names the documents label a
    person, which a short question's parse may not."""
    if not history or not any(content.strip() for _, content in history):
        return Resolution(question)
    return _resolved(question, tuple((role, content) for role, content in history), people)


@lru_cache(maxsize=1024)  # an earlier question is read again for each later one: once is enough
def _resolved(question: str, history: tuple[Turn, ...], people: frozenset[str]) -> Resolution:
    parsed = _parser()(question)
    references = _references(parsed, people)
    fragment = _is_fragment(parsed)
    if not references and not fragment:
        return Resolution(question)
    exchanges = _exchanges(history)
    asked, answered, before = next((exchange for exchange in exchanges if exchange[1]), exchanges[0])
    asked = _read_earlier(asked, before, people)[0]
    context = f"{asked} {answered}".strip()
    earlier = [(then_asked, then_answered) for then_asked, then_answered, _ in exchanges[:LOOKBACK]]
    read, readings = question, []
    for start, end, kind, word in reversed(references):  # replaced from the end, so offsets hold
        antecedent = _antecedent(kind, word, parsed[start:end], asked, answered, earlier, people)
        if antecedent:
            possessive = word in ("his", "her", "hers", "its", "their", "theirs") and kind != "demonstrative"
            replacement = antecedent + ("'s" if possessive else "")
            read = read[: parsed[start].idx] + replacement + read[parsed[end - 1].idx + len(parsed[end - 1]) :]
            readings.insert(0, (parsed[start:end].text, antecedent))
    if readings:
        return Resolution(read, tuple(readings), context)
    last, last_answer, last_before = exchanges[0]
    if fragment and last:
        # a fragment continues the question just before it, answered or not ("And the fire chief?" after a
        # refused "Who is the mayor?")
        completed = _completed(parsed, _read_earlier(last, last_before, people)[1], last_answer)
        if completed:
            return Resolution(completed, context=f"{last} {last_answer}".strip(), completed=True)
        return Resolution(f"{last} {question}", context=f"{last} {last_answer}".strip())
    return Resolution(question, context=context)


def _exchanges(history: Sequence[Turn]) -> list[tuple[str, str, Sequence[Turn]]]:
    """The conversation's questions, the last first, each with its answer ("" when refused: a refused turn, an
    off-topic one say, sets no topic to refer back to) and the turns before it."""
    pairs, question, asked_at = [], "", 0
    for position, (role, content) in enumerate(history):
        if role == "user":
            question, asked_at = content.strip(), position
        elif role == "assistant" and question:
            pairs.append((question, content.strip(), history[:asked_at]))
            question = ""
    if question:
        pairs.append((question, "", history[:asked_at]))
    return pairs[::-1] or [("", "", [])]


def _read_earlier(asked: str, before: Sequence[Turn], people: frozenset[str]) -> tuple[str, str]:
    """An earlier question as later turns refer to it, and as a whole question for a fragment to complete: read
    in its own conversation first (a chain: "How many members sit on its board?", then "Who chairs it?")."""
    if not asked or not before:
        return asked, asked
    earlier = resolve(asked, before, people)
    if earlier.referring:  # a pronoun replaced
        return earlier.question, earlier.question
    if earlier.completed:  # "And the finance minister?" after "And the defense minister?"; what a later "it"
        # stands for is in the fragment itself ("And after the dredging?"), unless it names nothing ("How much?")
        names = any(chunk.root.tag_ not in QUESTION_TAGS and chunk.root.pos_ != "PRON"
                    for chunk in _parser()(asked).noun_chunks)
        return (asked if names else earlier.question), earlier.question
    return asked, asked


def _references(parsed, people: frozenset[str]) -> list[tuple[int, int, str, str]]:
    """The words of the question that point back, in order: ``(start, end, kind, word)`` in tokens. A pronoun the
    question binds itself ("What does U.S. intelligence say about Maduro and his top officials?") does not."""
    found, after = [], 0
    for token in parsed:
        if token.i < after:
            continue
        word, reference = token.lower_, None
        if token.pos_ == "PRON" and word in PERSONAL and not _bound_in_question(token, people):
            reference = token.i, token.i + 1, "person", word
        elif token.pos_ == "PRON" and word in THING and not _expletive(token) and not _bound_in_question(token, people):
            reference = token.i, token.i + 1, "thing", word
        elif word in DEMONSTRATIVE and token.tag_ == "DT":
            if token.dep_ == "det" and token.head.pos_ in ("NOUN", "PROPN") and token.head.i > token.i:
                reference = token.i, token.head.i + 1, "demonstrative", word
            # "those at other schools", "those suffering from it" say what they mean where they stand
            elif token.pos_ == "PRON" and not any(child.dep_ in ("prep", "acl", "relcl") for child in token.children):
                reference = token.i, token.i + 1, "thing", word
        if reference is not None and not (reference[2] != "demonstrative" and any(
                _same_referent(parsed[earlier[0]].lower_, word) for earlier in found)):
            found.append(reference)  # a pronoun after an agreeing one is that one: "When did they sign their …?"
            after = reference[1]
    return found


def _same_referent(first: str, later: str) -> bool:
    return any(first in kind and later in kind for kind in AGREEING)


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


def _bound_in_question(pronoun, names: frozenset[str]) -> bool:
    """Whether an earlier noun phrase of the question can be what ``pronoun`` stands for: one that agrees with it
    (a person or "who" for "he"/"his"; a singular noun or a named thing for "it"/"its"; plural nouns, a group,
    "who", or for "their" its clause's own subject), is not what the question asks for unless it is the subject,
    and, unless the pronoun is a possessive, sits outside the pronoun's own clause, where a plain pronoun cannot
    mean its subject or object ("Through whom has Maduro been trying to reach him?" asks about someone else;
    "When did Maduro say he would leave?" about Maduro)."""
    word, doc = pronoun.lower_, pronoun.doc
    possessive = pronoun.dep_ == "poss" or pronoun.tag_ == "PRP$"
    people = {token.i for entity in doc.ents if _is_person(entity, names) for token in entity}
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


def _completed(fragment, asked: str, answered: str) -> str:
    """A verbless fragment made a whole question from the question it follows, by putting it in the place of
    what it stands in parallel with; "" when nothing stands in parallel (the fragment is then joined to it).

    - a question word replaces the earlier one of its kind: "Who else?" after "Which group is still involved?"
      asks "Who else is still involved?"; one of the other kind is asked about the earlier answer: "In what
      month?" after "Which department sanctioned the cartel?" (the Treasury) asks "In what month the Treasury
      sanctioned the cartel?";
    - a noun phrase replaces the earlier one with the same head noun ("And the defense minister?" after "Who is
      Venezuela's interior minister?"), or a name the earlier name ("What about Cabello?" after "How much is the
      reward for Maduro's arrest?");
    - a prepositional phrase replaces the earlier one with the same preposition, a time the earlier time ("And
      after the dredging?" after "How deep is the channel now?"), else it is added to the earlier question.
    """
    words = [token for token in fragment if not token.is_punct]
    while words and words[0].lower_ in FRAGMENT_LEAD:
        words = words[1:]
    if len(words) > 1 and words[0].lower_ in ("what", "how") and words[1].lower_ == "about":
        words = words[2:]
    if not words:
        return ""
    part = fragment[words[0].i : words[-1].i + 1]
    earlier = _parser()(asked)
    question_word = _question_phrase(earlier)
    if any(_is_question_word(token) for token in part):
        asked_for = _question_phrase(part)
        if question_word is None or asked_for is None:
            return ""
        start, end, adverbial = question_word
        if asked_for[2] == adverbial:  # "Who else?" for "Which group"; "Where?" for "When"
            return _capitalised(_spliced(earlier, start, end, part.text))
        if asked_for[2] and answered:  # "In what month?" about what the earlier question was answered
            if _inverted(earlier, start, end):  # "What did the Treasury sanction?": the answer goes last
                remaining = _parser()(_spliced(earlier, start, end, "").strip())
                rest = _spliced(remaining, _last_word_end(remaining), _last_word_end(remaining), answered)
            else:  # "Which department sanctioned the cartel?": the answer in its place
                rest = _spliced(earlier, start, end, answered)
            if not rest.startswith(answered) and earlier[0].pos_ != "PROPN":
                rest = rest[:1].lower() + rest[1:]
            return _capitalised(f"{part.text} {rest}")
        return ""
    taken = set(range(question_word[0], question_word[1])) if question_word else set()
    if part[0].tag_ == "IN":
        return _capitalised(_with_phrase(earlier, part, taken))
    target = _parallel_noun_phrase(earlier, part, taken)
    return _capitalised(_spliced(earlier, *target, part.text)) if target else ""


def _question_phrase(doc) -> tuple[int, int, bool] | None:
    """The question's question-word phrase as ``(start, end, adverbial)`` in tokens: "which group", "how many
    members", "how deep", "in which year" (adverbial: it asks when, where, why or how, not for a thing)."""
    word = next((token for token in doc if _is_question_word(token)), None)
    if word is None:
        return None
    start, end = word.i, word.i + 1
    if word.tag_ != "WRB":  # "which Colombian guerrilla group", "whose office", "what month"
        for token in doc[word.i + 1 :]:
            if token.pos_ not in ("ADJ", "NOUN", "PROPN", "NUM") and token.tag_ != "POS" and not _noun_tagged_verb(token):
                break
            if token.pos_ in ("NOUN", "PROPN") or _noun_tagged_verb(token):
                end = token.i + 1
    following = doc[word.i + 1] if word.i + 1 < len(doc) else None
    amount = following is not None and following.lower_ in ("many", "much")
    if word.tag_ == "WRB" and following is not None and following.pos_ in ("ADJ", "ADV") and end == word.i + 1:
        end = word.i + 2  # "how deep", "how much"
        if amount and following.head.pos_ in ("NOUN", "PROPN") and following.head.i > following.i:
            end = following.head.i + 1  # "how many members"
    if start > 0 and doc[start - 1].tag_ == "IN":
        start -= 1  # "in which year"
    adverbial = doc[start].tag_ == "IN" or (word.tag_ == "WRB" and not amount)
    return start, end, adverbial


def _noun_tagged_verb(token) -> bool:
    """A noun the tagger took for a verb, after "which" and before the question's own finite verb ("Which
    councilmember backs …?": two finite verbs cannot follow each other)."""
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return (token.tag_ in ("VB", "VBP") and token.i > 0 and token.doc[token.i - 1].lower_ == "which"
            and following is not None and following.tag_ in ("VBZ", "VBD", "VBP", "MD"))


def _is_question_word(token) -> bool:
    """A question word, as tagged, or "what"/"which" tagged a plain determiner ("In what year?")."""
    return token.tag_ in QUESTION_TAGS or token.lower_ in ("what", "which", "whose")


def _inverted(doc, start: int, end: int) -> bool:
    """Whether the question phrase ``start:end`` is not the subject, an auxiliary coming next ("What did …",
    "Who is the secretary?")."""
    following = doc[end] if end < len(doc) else None
    subject = any(doc[index].dep_ in ("nsubj", "nsubjpass") for index in range(start, end))
    return following is not None and following.pos_ == "AUX" and not subject


def _last_word_end(doc) -> int:
    end = len(doc)
    while end > 0 and doc[end - 1].is_punct:
        end -= 1
    return end


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _parallel_noun_phrase(doc, phrase, taken: set[int]) -> tuple[int, int] | None:
    """The earlier noun phrase ``phrase`` stands in for: one with the same head noun, else the one name of the
    question (a name among several, only of the same kind), else the only noun phrase of a question that asks
    what something is ("Who is the mayor?"; not "What has Oyelaran proposed?" for "What about the second phase?")."""
    head = phrase.root.lemma_.lower()
    chunks = [chunk for chunk in doc.noun_chunks
              if chunk.root.pos_ != "PRON" and not taken & set(range(chunk.start, chunk.end))]
    for chunk in chunks:
        if chunk.root.lemma_.lower() == head:
            return chunk.start, chunk.end
    if any(token.pos_ == "PROPN" for token in phrase):  # "Cabello", "the Sinaloa cartel"
        names = [entity for entity in doc.ents
                 if entity.root.pos_ == "PROPN" and not taken & set(range(entity.start, entity.end))]
        kind = next((entity.label_ for entity in phrase.ents), "")
        alike = [entity for entity in names if entity.label_ == kind] if len(names) > 1 else names
        if len(alike) == 1:
            return alike[0].start, alike[0].end
    copula = any(token.dep_ == "ROOT" and token.lemma_ == "be" for token in doc)  # "Who is the mayor?" asks of it
    return (chunks[0].start, chunks[0].end) if len(chunks) == 1 and copula else None


def _with_phrase(doc, phrase, taken: set[int]) -> str:
    """``doc`` with the prepositional phrase ``phrase`` in place of its own with the same preposition, or of its
    time when ``phrase`` tells a time; else added at its end."""
    preposition = phrase[0].lower_
    for token in doc:
        if token.dep_ == "prep" and token.lower_ == preposition and token.i not in taken:
            return _spliced(doc, token.i, token.right_edge.i + 1, phrase.text)
    if preposition in TIME_PREPOSITIONS or any(entity.label_ in ("DATE", "TIME") for entity in phrase.ents):
        for token in doc:
            if token.i in taken:
                continue
            if token.dep_ == "advmod" and token.lower_ in TIME_ADVERBS:
                return _spliced(doc, token.i, token.i + 1, phrase.text)
            phrase_there = doc[token.i : token.right_edge.i + 1]
            if token.dep_ == "prep" and any(entity.label_ in ("DATE", "TIME") for entity in phrase_there.ents):
                return _spliced(doc, token.i, token.right_edge.i + 1, phrase.text)
    end = _last_word_end(doc)
    return _spliced(doc, end, end, phrase.text)


def _spliced(doc, start: int, end: int, text: str) -> str:
    """``doc``'s text with its tokens ``start:end`` replaced by ``text``."""
    begin = doc[start].idx if start < len(doc) else len(doc.text)
    finish = doc[end - 1].idx + len(doc[end - 1]) if end > start else begin
    before, after = doc.text[:begin], doc.text[finish:]
    if start == end:  # an insertion: a space on the side that needs one
        before = before.rstrip() + " "
    return f"{before}{text}{after}"


def _antecedent(kind: str, word: str, span, asked: str, answered: str, earlier: list[tuple[str, str]],
                names: frozenset[str]) -> str:
    """What the referring words ``span`` stand for: from the last exchange that got an answer (``asked``,
    ``answered``), or for a person or a demonstrative with a noun, else from the ``earlier`` exchanges, the last
    first ("What did that study find?" two turns after the question naming the study)."""
    parse = _parser()
    exchanges = [(asked, answered)] + [exchange for exchange in earlier if exchange != (asked, answered)]
    if kind == "person":  # not a person the question names itself: "reach him" is not Maduro in "Has Maduro …?"
        for question, answer in exchanges:
            for text in (answer, question):
                people = [entity.text for entity in _names_in(parse(text), names)
                          if entity.text not in span.doc.text] if text else []
                if people:
                    return people[-1]
        return ""
    if kind == "demonstrative":
        head = span.root.lemma_.lower()
        for question, answer in exchanges:
            for text in (question, answer):
                for chunk in reversed(list(parse(text).noun_chunks) if text else []):
                    if chunk.root.lemma_.lower() == head and chunk.root.lower_ not in DEMONSTRATIVE:
                        # "that group" after "Which group …?": the group the answer named
                        return answer if _asks_which(chunk) and answer else chunk.text
        return ""
    if word in ("they", "them", "their", "theirs") and answered:
        answer_parse = parse(answered)
        agents = [entity for entity in answer_parse.ents if entity.label_ in AGENT_LABELS]
        if agents:  # "What were they accused of?" after an answer naming people: those people
            return (_subject(answer_parse) or _with_article(agents[0])) if _is_clause(answer_parse) else answered
    asked_parse = parse(asked) if asked else None
    if word in ("they", "them", "their", "theirs") and asked_parse is not None:
        agents = [entity for entity in asked_parse.ents if entity.label_ in AGENT_LABELS]
        if agents:  # "When did they sign …?" after "What did the FARC use the border region for?": the group
            return _with_article(agents[0])
    people = {token.i for entity in (asked_parse.ents if asked_parse else ()) if _is_person(entity, names)
              for token in entity}
    chunks = [chunk for chunk in (asked_parse.noun_chunks if asked_parse else ()) if chunk.root.pos_ != "PRON"
              and chunk.root.tag_ not in ("WP", "WDT") and chunk.root.i not in people and not _asks_how(chunk)]
    if chunks:  # what the question asked about: its object, else its first thing, with what hangs on it
        which = next((c for c in chunks if _asks_which(c)), None)
        if which is not None and answered and (which.root.tag_ in ("NNS", "NNPS")) == (word in PLURAL):
            return answered  # "Which fire led the mayor to order the plan?" asked for the thing: the answer names it
        chunk = next((c for c in chunks if c.root.dep_ == "dobj"), chunks[0])
        return asked_parse[chunk.start : chunk.root.right_edge.i + 1].text.rstrip("?! ")
    return answered


def _is_clause(doc) -> bool:
    """Whether ``doc`` is a sentence (a verb heads it), not a name or a list of names."""
    return any(token.dep_ == "ROOT" and token.pos_ in ("VERB", "AUX") for token in doc)


def _subject(doc) -> str:
    """The subject of a sentence with what hangs on it ("Maduro and Cabello", "leaders of the FARC"), lower-case
    for the middle of a question unless it opens with a name; "" when it has none, or only a pronoun."""
    root = next((token for token in doc if token.dep_ == "ROOT"), None)
    subject = next((t for t in root.children if t.dep_ in ("nsubj", "nsubjpass")), None) if root is not None else None
    if subject is None or subject.pos_ == "PRON":
        return ""
    words = doc[subject.left_edge.i : subject.right_edge.i + 1]
    return words.text if words[0].pos_ == "PROPN" else words.text[:1].lower() + words.text[1:]


def _is_person(entity, names: frozenset[str]) -> bool:
    """An entity spaCy labels a person, or a name the documents label one ("Maduro", labelled an organisation in
    most short questions)."""
    return entity.label_ in PERSON_LABELS or (entity.text in names and entity.label_ not in PLACE_LABELS)


def _names_in(doc, names: frozenset[str]) -> list:
    """The people ``doc`` names, in order: its entities that are people, or the whole of it when it is a name the
    documents give a person (an answer such as "Diosdado Cabello", which alone gets no label)."""
    people = [entity for entity in doc.ents if _is_person(entity, names)]
    if not people and doc.text.strip() in names:
        return [doc[:]]
    return people


def _with_article(entity) -> str:
    """An entity's text with the article before it ("the FARC"), as the earlier turn wrote it, for the middle of
    a question."""
    if entity[0].lower_ == "the":  # spaCy's entity may hold its article: "The U.S. Justice Department"
        return f"the {entity[1:].text}"
    before = entity.doc[entity.start - 1] if entity.start > 0 else None
    return f"the {entity.text}" if before is not None and before.lower_ == "the" else entity.text


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
