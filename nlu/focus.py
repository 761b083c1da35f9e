"""Long messages: what a letter is (a request) and where it states it.

Letters and pasted texts tell a story before the request ("我是…小区业主，2015年…"). Two
ideas were measured on real letters (bench/nlu_eval/README.md, *Long messages*):

* :func:`long_ranking` — a long message is never one of the short replies the dialogue asks
  for (好的, 你好, an address alone) nor keyboard noise; those intents route to no department
  and took about a tenth of the letters there. Used by ``nlu.components.LongMessageRouter``.
* :func:`focus` — the opening plus the sentences that ask for something (希望 / 请求 / 要求 /
  建议 / 恳请 / 能否 …) or name a public body. The n-gram models route *worse* on it than on
  the whole text (a letter's subject is in its title and its story), so they read the text
  (its opening and end, :func:`clip`). The sentence encoder read it too until it was
  measured against :func:`chunks`; it now reads the clipped text in sentence-aligned pieces
  (``chunk_chars`` in config.yml: real letters +0.5 to 1 point, README, *More letters and
  reading long letters in pieces*) and uses it only when ``chunk_chars`` is 0.
  ``bench/nlu_eval/letters_eval.py --focus-weight`` reproduces the n-gram measurement.
"""

from __future__ import annotations

import re

from hotline.domain import private

#: Below this many characters the whole message is already the request.
MIN_LENGTH = 80
#: Characters of a long message's end that :func:`clip` keeps (the request is often last).
TAIL_CHARS = 150
#: Characters of the opening kept (a letter's title, a chat's first clause).
HEAD_CHARS = 40
#: Upper bound on the focused text, in characters.
MAX_CHARS = 240

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
_CLAUSE_END = re.compile(r"[，,。！？!?；;：:\n]")
REQUEST_CUE = re.compile(
    r"希望|请求|要求|建议|恳请|恳求|请问|能否|可否|能不能|可不可以|是否可以|请|望|呼吁|盼|"
    r"求助|帮忙|帮帮|帮我|解决|处理|查处|整治|整改|取缔|管管|管一管|督促|落实|维权|讨个说法|"
    r"给个说法|何时|什么时候|为什么|为何|怎么办|如何|投诉|举报|反映"
)
BODY_CUE = re.compile(
    r"[局厅委办所站院校队]|政府|部门|街道|社区|居委会|村委|公司|物业|开发商|工会|医院|学校|"
    r"医保|社保|人社|住建|城管|交警|环保|市场监管|卫健|教育局|自然资源|农业|退役军人"
)


# Where a message turns from background to what it is really about ("工资的事先不说了，…",
# "这个都不急 主要是…", "可我真正的难处是…"): what follows is the message's point.
TURN_CUE = re.compile(
    r"(?:这个|这些|那个|这事儿?|那事儿?|这件事|那件事|别的|其他的?|[^，,。！？!?；;\s]{1,8}的事)?"
    r"(?:都|就|我)?(?:先|暂且|暂时)(?:不|别)(?:说|提|谈|讲|管)了?(?:这个|这些|了)?|"
    r"(?:这个|这些|那个|别的|其他的?)都不(?:急|要紧|重要)了?|说正事|(?:最)?主要(?:的)?是|重点是|关键是|"
    r"最要紧的是|最要命的是|真正的难处是|真正(?:要|想)(?:问|说|反映)的是|(?:我|俺)(?:要|想)(?:问|说|反映)的其实是|"
    r"(?:这回|今天)(?:先)?不说这个"
)
#: What follows a turn must be this long to be the point (not "先不说了，气死了").
TURN_MIN_CHARS = 8


def after_turn(text: str) -> str | None:
    """The part of ``text`` after its last turn from background to the point, if any."""
    ends = [match.end() for match in TURN_CUE.finditer(text)]
    if not ends:
        return None
    rest = text[ends[-1] :].lstrip("，,。：:；; ")
    return rest if len(rest) >= TURN_MIN_CHARS else None


def sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation and line breaks, dropping empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def head(text: str) -> str:
    """The opening: up to the first clause end, at most :data:`HEAD_CHARS` characters."""
    match = _CLAUSE_END.search(text, 4)
    end = match.start() if match and match.start() <= HEAD_CHARS else HEAD_CHARS
    return text[:end].strip()


def focus(text: str) -> str | None:
    """The request-focused excerpt of a long ``text``, or None when it is short or has none.

    The opening plus the sentences with a request cue (the last ones first: letters ask at
    the end), then sentences naming a public body, up to :data:`MAX_CHARS` characters, in
    their original order.
    """
    if len(text) < MIN_LENGTH:
        return None
    parts = sentences(text)
    if len(parts) < 2:
        parts = [p for p in re.split(r"(?<=，|,)", text) if p.strip()]
    chosen: set[int] = set()
    budget = MAX_CHARS - min(len(head(text)), HEAD_CHARS)
    for cue in (REQUEST_CUE, BODY_CUE):
        for i in range(len(parts) - 1, 0, -1):
            if i in chosen or not cue.search(parts[i]):
                continue
            piece = parts[i][:MAX_CHARS]
            if len(piece) > budget:
                continue
            chosen.add(i)
            budget -= len(piece)
    excerpt = [head(text)] + [parts[i][:MAX_CHARS] for i in sorted(chosen)]
    return "".join(excerpt)


#: Intents that answer the assistant's own questions or carry no request: a message of
#: :data:`MIN_LENGTH` characters or more is never one of them (a letter is not "好的").
SHORT_ONLY_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "nonsense",
        "inform",
        "choose_category",
        "correct_category",
    }
)


#: From this many characters a message is a letter: it asks the government for something.
LETTER_LENGTH = 200
#: …so small talk and "not ours" leave a letter's ranking too (a private dispute stays).
NOT_IN_LETTERS = frozenset({"out_of_scope", "chitchat"})
#: A shorter message is a letter too when it addresses an official or a public body by title
#: and asks something: real letters of 40–199 characters ("胡厅长：请问职级并行文件何时下发")
#: were answered as "not the hotline's business".
ADDRESSED_LENGTH = 40
OFFICIAL_ADDRESS = re.compile(
    r"尊敬的|领导|(?<![小超])[县市区镇乡局厅]长(?!期|时间|年|度|途|大|得|的)|书记|"
    r"有关部门|相关部门|职能部门|主管部门|政府"
)
# Not REQUEST_CUE: it also counts 帮我, 处理, 如何, 望 …, not measured with this rule.
ASKS = re.compile(
    r"请问|希望|建议|恳请|请求|要求|能否|可否|是否|何时|什么时候|为什么|为何|怎么|吗|[？?]|盼|请|"
    r"投诉|举报|反映|查处|管管|管一管|整治|核查|不作为|乱收费|违规|违法"
)
#: From this many characters a message that names a public body or a public service and asks
#: or complains is a letter too ("快递到镇上自取每件收3元…没有人管", "景区门票贵…需物价部门核查").
BODY_LENGTH = 60
# Not BODY_CUE: its single characters (所, 站, 院 …) hit 所以, 法院 and private quarrels.
PUBLIC_BODY = re.compile(
    r"城管|公安|派出所|交警|民警|市场监管|物价|卫健|人社|社保|医保|住建|环保|生态环境|自然资源|"
    r"农业农村|民政|退役军人|工会|热线|政府|部门|景区|医院|学校|公交|供电|供水|燃气公司|物业|开发商|"
    r"(?<![邮结])局(?!面|势|部)|厅(?!堂)|管理处|管理所|服务中心|事务所(?!长)|办事处"
)
# Writing help that names a body ("论文以某区城管局为例，帮我改改") asks the hotline nothing.
WRITING_HELP = re.compile(r"帮我(?:改|写|润色|翻译|看看.{0,4}(?:写|改))|论文|作文|摘要|演讲稿|文案")
# A request to write a speech, an essay or a farewell ("恳请贵单位帮我拟一份退休感言", "本人拟撰写
# 一篇征文，恳请提供写作思路") is writing help however it is addressed: no letter, when it is
# what the message asks (said in its last WRITING_ASKED characters: all of a short message).
WRITES_FOR_ME = re.compile(
    r"发言稿|讲话稿|演讲稿|致辞稿|感言|悼词|征文|写作思路|"
    r"(?:帮|替)(?:我|俺)(?:写|拟|起草|润色)(?:一?[篇份段个]|几句)?"
    r"(?:稿|发言|致辞|文章|作文|演讲|讲话|贺词|祝词)"
)
WRITING_ASKED = 150


# A notice passed on for information (hotline.domain.private: the conversation answers it too)
# or a message that wants no reply ("转给你们看看，不用回") is no letter, however long it is or
# whom it names.
forwarded_notice = private.forwarded_notice
NO_REPLY = re.compile(r"不用回(?:复|我)")


def is_letter(text: str) -> bool:
    """Whether ``text`` is written to the government: long, addressed to it and asking, or
    naming a public body or service and asking or complaining."""
    if forwarded_notice(text) or NO_REPLY.search(text):
        return False
    if WRITES_FOR_ME.search(text[-WRITING_ASKED:]):
        return False
    if len(text) >= LETTER_LENGTH:
        return True
    if len(text) < ADDRESSED_LENGTH or ASKS.search(text) is None:
        return False
    if OFFICIAL_ADDRESS.search(text):
        return True
    return (
        len(text) >= BODY_LENGTH
        and PUBLIC_BODY.search(text) is not None
        and WRITING_HELP.search(text) is None
    )


def long_ranking(text: str, ranking: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """For a long ``text``, drop the short-only intents and rescale the rest to sum to 1.

    A letter (:func:`is_letter`) also loses small talk and "not ours". Unchanged when the
    text is short, or when nothing else is in the ranking.
    """
    dropped: frozenset[str] = frozenset()
    if len(text) >= MIN_LENGTH:
        dropped |= SHORT_ONLY_INTENTS
    if is_letter(text):
        dropped |= NOT_IN_LETTERS
    if not dropped:
        return ranking
    kept = [(name, conf) for name, conf in ranking if name not in dropped]
    total = sum(conf for _, conf in kept)
    if not kept or total <= 0:
        return ranking
    return [(name, conf / total) for name, conf in kept]


def chunks(text: str, size: int) -> list[str]:
    """``text`` in order as pieces of at most ``size`` characters, cut after whole sentences
    where it can (a sentence longer than ``size`` is cut inside)."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text) or [text]:
        rest = sentence
        while len(rest) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(rest[:size])
            rest = rest[size:]
        if current and len(current) + len(rest) > size:
            pieces.append(current)
            current = ""
        current += rest
    if current:
        pieces.append(current)
    return pieces


def clip_spans(length: int, limit: int, tail: int = TAIL_CHARS) -> list[tuple[int, int]]:
    """The (start, end) spans of a text of ``length`` characters that :func:`clip` keeps."""
    if not limit or length <= limit:
        return [(0, length)]
    tail = min(tail, limit // 2)
    return [(0, limit - tail), (length - tail, length)]


def clip(text: str, limit: int, tail: int = TAIL_CHARS) -> str:
    """At most ``limit`` characters of ``text``: its opening and its last ``tail`` characters.

    A letter names its subject first (routing on the first 500 characters of real letters is
    as accurate as on all of them) and a pasted story often asks at the very end.
    """
    return "".join(text[a:b] for a, b in clip_spans(len(text), limit, tail))
