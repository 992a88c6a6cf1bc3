"""A scripted supplier for the engine tests: sends inputs and keeps what came back.

Plans say how to answer each question; anything a plan leaves out is answered the way a
qualified plant would (yes, the first option, one uploaded PDF).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from conversations import (
    ChoiceInput,
    Command,
    Engine,
    FileInput,
    Input,
    InterviewState,
    Reply,
    StepResult,
    TextInput,
)

TODAY = date(2025, 6, 15)
VALID_CODE = "91130185MA07LQ8K3P"


def make_engine() -> Engine:
    return Engine.default(today=lambda: TODAY)


def pdf(name: str = "certificate.pdf", *, size: int = 150_000, uid: str | None = None) -> FileInput:
    return FileInput(
        file_id=f"file-{uid or name}",
        file_unique_id=uid or f"u-{name}",
        file_name=name,
        mime_type="application/pdf",
        file_size=size,
        kind="document",
    )


def roundtrip(state: InterviewState) -> InterviewState:
    """The state as a database would give it back: through JSON text."""
    return InterviewState.model_validate(json.loads(json.dumps(state.model_dump(mode="json"))))


class Chat:
    def __init__(self, engine: Engine, lang: str = "zh", *, through_json: bool = False) -> None:
        self.engine = engine
        self.through_json = through_json
        self.result = engine.start(engine.new_state(lang))

    @property
    def state(self) -> InterviewState:
        return self.result.state

    @property
    def replies(self) -> list[Reply]:
        return self.result.replies

    @property
    def last(self) -> Reply:
        return self.result.replies[-1]

    @property
    def said(self) -> str:
        """Everything the last step said, as one text."""
        return "\n".join(reply.text for reply in self.result.replies)

    @property
    def current(self) -> str | None:
        return self.state.current

    def send(self, inp: Input) -> StepResult:
        state = roundtrip(self.state) if self.through_json else self.state
        self.result = self.engine.step(state, inp)
        return self.result

    def text(self, text: str) -> StepResult:
        return self.send(TextInput(text=text))

    def press(self, data: str) -> StepResult:
        return self.send(ChoiceInput(data=data))

    def tap(self, label: str) -> StepResult:
        """Press the button whose label contains `label` on the latest message with buttons."""
        for reply in reversed(self.result.replies):
            for button in (b for row in reply.buttons for b in row):
                if label in button.label:
                    return self.press(button.data)
        shown = [b.label for r in self.result.replies for row in r.buttons for b in row]
        raise AssertionError(f"no button labelled {label!r}; buttons: {shown}")

    def file_names(self, question_id: str) -> list[str]:
        """Names of the files stored as the answer to a file question."""
        stored = self.state.answers[question_id]
        assert isinstance(stored, list)
        return [FileInput.model_validate(item).file_name or "" for item in stored]

    def command(self, name: str, arg: str | None = None) -> StepResult:
        return self.send(Command(name=name, arg=arg))  # type: ignore[arg-type]

    def upload(self, file: FileInput | None = None) -> StepResult:
        return self.send(file or pdf(f"{self.current}.pdf"))

    def answer(self, plan: Mapping[str, Sequence[Input]] | None = None) -> None:
        """Answer the current question as the plan says (or as a qualified plant would)."""
        for inp in inputs_for(self.engine, self.state, plan or {}):
            self.send(inp)

    def answer_until(
        self,
        stop: str | Callable[[Chat], bool] | None,
        plan: Mapping[str, Sequence[Input]] | None = None,
        *,
        limit: int = 200,
    ) -> None:
        """Answer question after question until `stop` is current (or the review)."""
        for _ in range(limit):
            if self.state.mode != "interview":
                return
            if isinstance(stop, str) and self.current == stop:
                return
            if callable(stop) and stop(self):
                return
            self.answer(plan)
        raise AssertionError("the interview did not end")


def inputs_for(
    engine: Engine, state: InterviewState, plan: Mapping[str, Sequence[Input]]
) -> list[Input]:
    assert state.current is not None
    question = engine.bank.question(state.current)
    if question.id in plan:
        return list(plan[question.id])
    qid = question.id
    if question.kind == "yes_no":
        return [ChoiceInput(data=f"iv:a:{qid}:y")]
    if question.kind == "single_choice":
        return [ChoiceInput(data=f"iv:a:{qid}:{question.options[0].value}")]
    if question.kind == "multi_choice":
        chosen = CHOSEN.get(qid, (question.options[0].value,))
        return [ChoiceInput(data=f"iv:t:{qid}:{value}") for value in chosen] + [
            ChoiceInput(data=f"iv:d:{qid}")
        ]
    if question.kind in ("file", "link_or_file"):
        return [pdf(f"{qid}.pdf"), ChoiceInput(data=f"iv:d:{qid}")]
    if qid not in TYPED and question.optional:
        return [Command(name="skip")]
    return [TextInput(text=TYPED[qid])]


def typed(text: str) -> list[Input]:
    return [TextInput(text=text)]


def press(data: str) -> list[Input]:
    return [ChoiceInput(data=data)]


# Options a qualified plant ticks at a multi-choice question (else its first option): a
# gas-fired kiln that also burns diesel in the yard.
CHOSEN: dict[str, tuple[str, ...]] = {"energy_carriers": ("natural_gas", "diesel")}

# Typed answers of a qualified plant, for every question that has no buttons.
TYPED: dict[str, str] = {
    "company_name": "石家庄某某新型建材有限公司",
    "credit_code": VALID_CODE,
    "contact_person": "张伟",
    "contact_phone": "13812345678",
    "plant_location": "河北省石家庄市鹿泉区建材路 88 号",
    "period_start": "2024-01",
    "period_end": "2024-12",
    "qms_certificate_no": "00124Q31234R2M",
    "qms_expiry": "2026-06-30",
    "ems_certificate_no": "00124E31234R2M",
    "ems_expiry": "2026-06-30",
    "coal_gangue_pct": "85",
    "fly_ash_pct": "10",
    "other_waste_pct": "5",
    "raw_total_t": "52000",
    "raw_local_t": "50000",
    "output_t": "120000",
    "electricity_kwh": "2400000",
    "natural_gas_m3": "3500000",
    "raw_coal_kg": "3000吨",
    "lpg_kg": "0",
    "purchased_heat_mj": "0",
    "other_gas_m3": "0",
    "biomass_kg": "0",
    "internal_fuel_kg": "0",
    "fuel_oil_kg": "0",
    "diesel_kg": "8000",
    "total_kgce": "5000000",
    "cert_other_name": "绿色建材产品认证（三星级）",
    # The certificates' and the test report's details, complete and valid at TODAY.
    "qms_issuer": "中国质量认证中心",
    "qms_issued": "2023-07-01",
    "ems_issuer": "中国质量认证中心",
    "ems_issued": "2023-07-01",
    "report_lab": "河北省建筑材料产品质量检验检测中心",
    "report_cma": "170312340123",
    "report_date": "2025-01-10",
    "report_content": "85",
    **{
        f"{prefix}_{detail}": answer
        for prefix in ("enms", "miit", "samr", "envl", "other")
        for detail, answer in (
            ("no", f"{prefix.upper()}-2023-0001"),
            ("issuer", "中国质量认证中心"),
            ("issued", "2023-07-01"),
            ("expiry", "2026-06-30"),
        )
    },
}
