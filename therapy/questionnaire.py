"""The screening questionnaire and the daily check-in, as data.

Questions are written for someone without medical training and should take about two
minutes in all. Which answers trigger what is in `therapy.rules`; a question here with no
rule there is a bug that tests catch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Option:
    option_id: str
    label: str


@dataclass(frozen=True)
class Question:
    """One question. `multiple` questions take several options; `exclusive` ones stand alone."""

    question_id: str
    text: str
    help: str
    options: tuple[Option, ...]
    multiple: bool = False
    exclusive: frozenset[str] = frozenset()

    @property
    def option_ids(self) -> frozenset[str]:
        return frozenset(o.option_id for o in self.options)


YES = "yes"
NO = "no"
YES_NO = (Option(NO, "No"), Option(YES, "Yes"))

SCREENING_QUESTIONS: tuple[Question, ...] = (
    Question(
        "injury",
        "Have you hurt your hand or wrist recently (a break, sprain, strain or knock) "
        "and it has not fully healed?",
        "Massage on a fresh injury can make it worse. Answer yes if it still hurts, "
        "is swollen or is in a splint or cast.",
        YES_NO,
    ),
    Question(
        "skin",
        "Is there an open cut or sore, an infection, or eczema or psoriasis that is "
        "active right now on either hand?",
        "The glove presses on the skin and can irritate it or spread an infection.",
        YES_NO,
    ),
    Question(
        "fever",
        "Do you have a fever, or are you ill with an infection at the moment?",
        "Answer yes if you have a temperature or feel unwell with an infection today.",
        YES_NO,
    ),
    Question(
        "clot",
        "Has a doctor ever told you that you have a blood clot (DVT) or an inflamed, "
        "clotted vein in your arm?",
        "If you are not sure whether it has cleared, choose 'Yes, now'.",
        (
            Option(NO, "No"),
            Option("now", "Yes, now, or I am still being treated for it"),
            Option("past", "Yes, in the past, and a doctor has said it has cleared"),
        ),
    ),
    Question(
        "heart",
        "Do you have severe heart failure (a doctor has said your heart is weak, and you "
        "get breathless at rest or with very little effort)?",
        "Squeezing pushes fluid back toward the heart, which a weak heart may not cope with.",
        YES_NO,
    ),
    Question(
        "circulation",
        "Has a doctor said you have poor circulation or artery disease in your arms or hands?",
        "For example, narrowed arteries, or fingers that turn white or blue and hurt "
        "and a doctor has looked at it.",
        YES_NO,
    ),
    Question(
        "cancer",
        "Have you ever had cancer?",
        "Choose the answer that fits best. Your cancer team knows best what is safe for you.",
        (
            Option(NO, "No"),
            Option("past", "Yes, in the past; treatment has finished"),
            Option(
                "current", "Yes: I am having treatment now, or there is a tumour in my hand or arm"
            ),
        ),
    ),
    Question(
        "lymphedema",
        "Do you have lymphoedema (long-lasting swelling) in either arm or hand?",
        "This often follows breast cancer treatment or surgery that removed lymph nodes.",
        YES_NO,
    ),
    Question(
        "blood_thinners",
        "Do you take a blood thinner, or do you bruise or bleed very easily?",
        "Blood thinners include warfarin, apixaban, rivaroxaban, dabigatran, edoxaban and "
        "heparin injections. Also answer yes for a bleeding disorder such as haemophilia.",
        YES_NO,
    ),
    Question(
        "osteoporosis",
        "Has a doctor told you that you have severe osteoporosis (very fragile bones)?",
        "Also answer yes if you have broken a bone from a small fall or knock.",
        YES_NO,
    ),
    Question(
        "arthritis",
        "Do you have arthritis in your hands or wrists?",
        "Any kind: osteoarthritis, rheumatoid arthritis, psoriatic arthritis or gout.",
        YES_NO,
    ),
    Question(
        "sensation",
        "Can you feel warmth, cold and pressure normally in your hands and fingers?",
        "Diabetes and nerve damage (neuropathy) can dull feeling without you noticing. "
        "If you have ever burned or cut your hand without feeling it, choose the last answer.",
        (
            Option("normal", "Yes, normally"),
            Option("mild", "Mostly, but some areas feel numb or tingle"),
            Option(
                "severe",
                "No: parts of my hands feel very numb, or I have been hurt without feeling it",
            ),
        ),
    ),
    Question(
        "report_discomfort",
        "If the glove became too tight or too hot, could you notice it and stop it yourself?",
        "Answer no if you would need someone else to notice or to take the glove off.",
        YES_NO,
    ),
    Question(
        "surgery",
        "Have you had surgery on your hand, wrist or arm that has not fully healed, or do "
        "you have plates, pins, screws or a joint replacement there?",
        "Your surgeon or hand therapist can say when massage is fine.",
        YES_NO,
    ),
    Question(
        "precautions",
        "Do any of these apply to you?",
        "Choose all that apply, or 'None of these'.",
        (
            Option("none", "None of these"),
            Option("pregnant", "I am pregnant"),
            Option("pacemaker", "I have a pacemaker or another implanted electronic device"),
            Option("blood_pressure", "I have high blood pressure that is not under control"),
        ),
        multiple=True,
        exclusive=frozenset({"none"}),
    ),
    Question(
        "unexplained_pain",
        "Do you have pain in your hand or wrist that no health professional has looked at "
        "and whose cause you do not know?",
        "Pain without a known cause should be checked before massage covers it up.",
        YES_NO,
    ),
)

DISCOMFORT_SCALE = tuple(str(n) for n in range(11))  # the 0-10 numeric rating scale

CHECKIN_QUESTIONS: tuple[Question, ...] = (
    Question(
        "flare",
        "Are your joints having a flare today (hot, swollen, or much more tender than usual)?",
        "On a flare day Thenar turns heat off and runs only gentle techniques.",
        YES_NO,
    ),
    Question(
        "new_injury",
        "Have you hurt your hand or wrist since your last session?",
        "A new knock, sprain or strain.",
        YES_NO,
    ),
    Question(
        "broken_skin",
        "Is the skin on your hands broken, cut or sore anywhere today?",
        "Including a new rash, blister or an eczema or psoriasis patch that has opened.",
        YES_NO,
    ),
    Question(
        "tingling",
        "Are your hands numb or tingling today more than usual?",
        "Numbness makes it harder to notice heat or pressure that is too much.",
        YES_NO,
    ),
    Question(
        "discomfort",
        "How do your hands feel right now, from 0 (no discomfort) to 10 "
        "(the worst you can imagine)?",
        "Your answer is saved in your log with today's check-in.",
        tuple(Option(n, n) for n in DISCOMFORT_SCALE),
    ),
    Question(
        "helper_present",
        "Is someone with you today who can stop the session if needed?",
        "Only asked if you told us you might not notice discomfort yourself.",
        YES_NO,
    ),
)


def by_id(questions: tuple[Question, ...]) -> Mapping[str, Question]:
    return MappingProxyType({q.question_id: q for q in questions})
