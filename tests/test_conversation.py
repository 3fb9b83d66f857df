"""Conversations: a question that stands on its own is read as if asked alone; one that refers back is read with
what it refers to, and judged so; answers' quotation marks and brackets balance; dialogs are scored turn by turn."""

from __future__ import annotations

import pytest

from qa.reader import balanced

HEGSETH = [("user", "Who is the U.S. Defense Secretary?"), ("assistant", "Pete Hegseth")]
REWARD = [("user", "How much is the reward for Maduro's arrest?"), ("assistant", "$50 million")]


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("He said “nothing is off the table” on Monday.", "“nothing is off the tabl", "“nothing is off the table”"),
        ("Ask “why", "“why", "why"),  # no closing mark near: the opening one goes
        ("The (Cartel de los Soles) was named.", "Cartel de los Soles)", "(Cartel de los Soles)"),
        ("a \"quoted phrase\" here", "\"quoted", "\"quoted phrase\""),
        ("plain words", "plain", "plain"),
    ],
)
def test_an_answers_marks_balance(text, span, expected):
    start = text.index(span)
    begin, end = balanced(text, start, start + len(span))
    assert text[begin:end] == expected


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "history", "read_as", "referring"),
    [
        ("What did he say about military strikes?", HEGSETH, "What did Pete Hegseth say about military strikes?", "he"),
        ("Where is his office?", HEGSETH, "Where is Pete Hegseth's office?", "his"),
        ("Who announced it?", REWARD, "Who announced the reward for Maduro's arrest?", "it"),
        ("When will those operations start?", [("user", "What did the CIA covert operations involve?"),
                                              ("assistant", "lethal action")],
         "When will the CIA covert operations start?", "those operations"),
        # a chain: the earlier question's own "it" is read first
        ("When was it doubled?", [*REWARD, ("user", "Who announced it?"), ("assistant", "The U.S. Justice Department")],
         "When was the reward for Maduro's arrest doubled?", "it"),
        # "they" after a question that names a group is the group, not the place it used
        ("When did they sign their peace agreement?",
         [("user", "What did the FARC use the Venezuela-Colombia border region for?"), ("assistant", "a safe haven")],
         "When did the FARC sign their peace agreement?", "they"),
        # "they" after an answer that is a sentence: the group it names, not the whole sentence
        ("What did they do next?", [("user", "Who doubled the reward?"),
                                    ("assistant", "The U.S. Justice Department doubled the reward in August.")],
         "What did the U.S. Justice Department do next?", "they"),
        ("What were they accused of?", [("user", "Who was indicted?"),
                                        ("assistant", "Nicolás Maduro and Diosdado Cabello were indicted in March.")],
         "What were Nicolás Maduro and Diosdado Cabello accused of?", "they"),
        # "them" is the object of "helped", not bound by "Who"
        ("Who helped them move the cocaine?",
         [("user", "What did the FARC use the Venezuela-Colombia border region for?"), ("assistant", "a safe haven")],
         "Who helped the FARC move the cocaine?", "them"),
        # "it" after a question asking which thing is the thing the answer named, not the question's object
        ("How many homes did it destroy?", [("user", "Which fire led the mayor to order the plan?"),
                                            ("assistant", "the Cold Creek Fire")],
         "How many homes did the Cold Creek Fire destroy?", "it"),
        # every reference is read, a pronoun agreeing with an earlier one of the question as that one
        ("How would he pay for it?", [("user", "What did Oyelaran propose?"), ("assistant", "a gravel track")],
         "How would Oyelaran pay for a gravel track?", "he"),
        # "that study" named two turns back, the turns between refused
        ("What did that study find?", [("user", "Who carried out the traffic study?"), ("assistant", ""),
                                       ("user", "What is her title?"), ("assistant", "")],
         "What did the traffic study find?", "that study"),
    ],
)
def test_a_follow_up_is_read_with_what_it_refers_to(question, history, read_as, referring):
    from qa.conversation import resolve

    read = resolve(question, history)
    assert (read.question, read.referring) == (read_as, referring)
    assert read.context  # the earlier turns steer retrieval too


@pytest.mark.integration
@pytest.mark.parametrize(("question", "history"), [
    ("Who won the 2022 World Cup?", REWARD),
    ("Is it true that the cartel exists?", REWARD),
    ("Which organization published the report that Maduro cites?", REWARD),
    # pronouns the question binds itself: a possessive, and a subject of a clause inside the question
    ("What does U.S. intelligence say about Maduro and his top officials?", HEGSETH),
    ("When did Maduro say he would leave?", HEGSETH),
    ("What did the company say about its profits?", REWARD),
    ("Who moved his family to Caracas?", HEGSETH),  # bound by the subject the question asks for
    ("When did the company end their service?", HEGSETH),  # a collective subject's "their"
    # an "it" that stands for a clause, and a demonstrative that says what it means where it stands
    ("Why is it important to sanction the cartel?", REWARD),
    ("How many years did it take for the reward to double?", REWARD),
    ("How does the new reward compare to those offered before?", REWARD),
])
def test_a_question_that_stands_alone_ignores_the_conversation(question, history):
    from qa.conversation import resolve

    read = resolve(question, history)
    assert read.question == question and not read.context and not read.referring


@pytest.mark.integration
@pytest.mark.parametrize(("question", "history", "read_as"), [
    # a bare name as the answer gets no label from the parser; the documents call it a person
    ("What is his role?", [("user", "Who was indicted with Maduro?"), ("assistant", "Diosdado Cabello")],
     "What is Diosdado Cabello's role?"),
    # "Trump" in a short question is labelled an organisation
    ("What did he order?", [("user", "How does Trump feel about the strikes?"), ("assistant", "satisfaction")],
     "What did Trump order?"),
])
def test_a_name_the_documents_give_a_person_is_one(question, history, read_as):
    from qa.conversation import resolve

    assert resolve(question, history, people=frozenset({"Diosdado Cabello", "Cabello", "Trump"})).question == read_as


def test_the_names_a_follow_up_may_mean_are_the_capitalised_runs_of_its_turns():
    from qa.library import capitalised_names

    assert capitalised_names("Who was indicted with Maduro’s ally Diosdado Cabello? What about Pete?") == [
        "Maduro", "Diosdado Cabello", "Cabello", "Pete"]


@pytest.mark.integration
def test_a_pronoun_is_not_read_as_the_person_its_own_clause_names():
    from qa.conversation import resolve

    read = resolve("Through whom has Maduro been trying to reach him?",
                   [("user", "Who has Maduro tried to contact?"), ("assistant", "Trump")])
    assert read.antecedent != "Maduro" and "reach Maduro" not in read.question
    read = resolve("Through whom has Maduro been trying to reach him?",
                   [("user", "Who has Maduro tried to contact?"), ("assistant", "President Donald Trump")])
    assert read.question == "Through whom has Maduro been trying to reach Donald Trump?"


@pytest.mark.integration
def test_a_verbless_question_with_a_pronoun_after_a_name_is_read():
    """A question without a verb has no clause to climb to: reading it must end (it once looped for ever)."""
    import threading

    from qa.conversation import resolve

    read = []
    worker = threading.Thread(target=lambda: read.append(resolve("Maduro and him?", HEGSETH)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert read and read[0].question == "Maduro and Pete Hegseth?"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("fragment", "history", "read_as"),
    [
        # a noun phrase in place of the earlier one with the same head noun, or of the earlier name
        ("And the defense minister?", [("user", "Who is Venezuela's interior minister?"), ("assistant", "Cabello")],
         "Who is the defense minister?"),
        ("What about Cabello?", REWARD, "How much is the reward for Cabello's arrest?"),
        ("And the Sinaloa cartel?", [("user", "When was Tren de Aragua designated?"), ("assistant", "February")],
         "When was the Sinaloa cartel designated?"),
        # a question word in place of the earlier one of its kind ...
        ("Who else?", [("user", "Which Colombian guerrilla group is still involved in the drug trade?"),
                       ("assistant", "National Liberation Army guerrilla")],
         "Who else is still involved in the drug trade?"),
        ("Who else?", [("user", "Which councilmember backs the plan?"), ("assistant", "Teresa Halvorsen")],
         "Who else backs the plan?"),  # the tagger reads "councilmember" as a verb
        ("Where?", [("user", "When did the FARC sign the peace agreement?"), ("assistant", "2016")],
         "Where did the FARC sign the peace agreement?"),
        # ... or asking about the earlier answer, where the earlier question asked for a thing
        ("In what month?", [("user", "Which department sanctioned the cartel?"), ("assistant", "The Treasury")],
         "In what month The Treasury sanctioned the cartel?"),
        ("When?", [("user", "What did the Treasury sanction?"), ("assistant", "the Cartel de los Soles")],
         "When did the Treasury sanction the Cartel de los Soles?"),
        # a prepositional phrase in place of the earlier one with its preposition, or of the earlier time
        ("And in 2020?", [("user", "Who was indicted in 2016?"), ("assistant", "Maduro")], "Who was indicted in 2020?"),
        ("And after the dredging?", [("user", "How deep is the shipping channel now?"), ("assistant", "38 feet")],
         "How deep is the shipping channel after the dredging?"),
        ("In what year?", [("user", "When was the grant awarded?"), ("assistant", "February")],
         "In what year was the grant awarded?"),
        # the question just before, though refused: its only noun phrase
        ("And the fire chief?", [("user", "Which fire destroyed the homes?"), ("assistant", "the Cold Creek Fire"),
                                 ("user", "Who is the mayor?"), ("assistant", "")], "Who is the fire chief?"),
    ],
)
def test_a_fragment_is_completed_from_the_question_it_follows(fragment, history, read_as):
    from qa.conversation import resolve

    read = resolve(fragment, history)
    assert (read.question, read.completed) == (read_as, True)
    assert read.context and not read.referring


@pytest.mark.integration
def test_a_fragment_after_a_completed_one_completes_the_whole_question():
    from qa.conversation import resolve

    history = [("user", "Who is Venezuela's interior minister?"), ("assistant", "Cabello"),
               ("user", "And the defense minister?"), ("assistant", "Padrino López")]
    assert resolve("And the finance minister?", history).question == "Who is the finance minister?"


@pytest.mark.integration
def test_each_reference_is_reported_with_what_it_was_read_as():
    from qa.conversation import resolve

    read = resolve("How would he pay for it?", [("user", "What did Oyelaran propose?"), ("assistant", "a gravel track")])
    assert read.readings == (("he", "Oyelaran"), ("it", "a gravel track"))


@pytest.mark.integration
def test_a_long_chain_of_fragments_reads_each_earlier_question_once(monkeypatch):
    """Each fragment is read from the one before, itself read in its own conversation: without reading each once,
    ten fragments took seconds (the work doubled with every turn)."""
    import qa.conversation
    from qa.conversation import resolve

    history = [("user", "Who is Venezuela's interior minister?"), ("assistant", "Cabello")]
    for office in ("defense", "finance", "health", "trade", "energy", "labor", "justice", "culture", "water"):
        history += [("user", f"And the {office} minister?"), ("assistant", "Someone")]
    completed = []
    reading = qa.conversation._completed
    monkeypatch.setattr(qa.conversation, "_completed", lambda *args: completed.append(args) or reading(*args))
    assert resolve("And the foreign minister?", history).question == "Who is the foreign minister?"
    assert len(completed) <= 10


@pytest.mark.integration
def test_a_fragment_with_nothing_in_parallel_is_read_with_the_question_it_follows():
    from qa.conversation import resolve

    read = resolve("And the defense minister?", [("user", "Who was indicted in 2020?"), ("assistant", "Maduro")])
    assert read.question == "Who was indicted in 2020? And the defense minister?" and read.context
    assert not read.completed
    # the one noun phrase of a question about an act is its agent, not what a fragment stands for
    read = resolve("What about the second phase?", [("user", "What has Oyelaran proposed?"), ("assistant", "a road")])
    assert read.question == "What has Oyelaran proposed? What about the second phase?" and not read.completed


def test_dialog_metrics_count_first_turns_follow_ups_and_changes(tmp_path):
    from qa.dialogs import TurnResult, dialog_metrics, load_dialogs
    from qa.pipeline import AskResult
    from qa.reader import Answer

    path = tmp_path / "dialogs.jsonl"
    path.write_text(
        '{"id": "d", "documents": ["x"], "turns": [{"question": "Who?", "answers": ["Ana"], "refers_back": false}, '
        '{"question": "And her age?", "answers": ["40"], "refers_back": true, "resolves_to": "Ana"}, '
        '{"question": "Capital of Peru?", "answers": [], "refers_back": false}]}\n', encoding="utf-8")
    (dialog,) = load_dialogs(path)

    def said(text: str | None, read_as: str | None = None, start: int = 0) -> AskResult:
        answer = Answer(text, "x", "x#0", start, start + len(text), 0.9, 0.1) if text else None
        return AskResult("?", answer, answer is None, 0.1 if answer else 0.9, [], "?", answer, read_as=read_as)

    results = [
        TurnResult("d", 0, dialog.turns[0], said("Ana"), 1.0, None),
        TurnResult("d", 1, dialog.turns[1], said("40", read_as="And Ana's age?"), 1.0, None),
        TurnResult("d", 2, dialog.turns[2], said("Lima", start=5), 0.0, said(None)),  # history changed it
    ]
    metrics = dialog_metrics(results)
    assert metrics["first_turns_HasAns_f1"] == metrics["follow_ups_HasAns_f1"] == 100.0
    assert metrics["unanswerable_refused"] == 0.0 and metrics["standalone_changed_by_history"] == 100.0
    assert metrics["follow_ups_read_with_their_antecedent"] == 100.0
