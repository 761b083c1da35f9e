"""Places as citizens type them: kept whole, filler tidied, so the ticket stores the real spot.

A place is never cut inside a name: the department, hot-spot reports and duplicate detection
all key on what is stored. Answers to the place question are taken whole (up to ~100
characters) once filler, refusals and phone numbers are tidied away; inside a longer message
the place is the run of text around road/number/building/landmark words that no predicate
("有", "一直", "的路灯", …) interrupts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

# An answer up to this long is the place itself; a longer one is searched for a place span.
WHOLE_ANSWER_LIMIT = 100
# A keyword-less answer ("万达", "城南") is taken as a place only when this short.
BARE_NAME_LIMIT = 12

_NUM = r"[0-9一二三四五六七八九十百千零〇两]+"
_DIR = r"[东南西北]"

# Words that contain a place character but are not places: masked before token search.
_TRAPS = re.compile(
    r"知道|味道|频道|渠道|报道|难道|说道|道理|道歉|顺道|公道|下水道|"
    # "一路走来" is no road, "五一路" and "科技一路" are
    r"路灯|路面|路况|路费|路过|(?:(?<![\u4e00-\u9fff])|(?<=[我你他她们就也都还这那是了]))一路|走路|跑路|路人|路由|"
    r"市民|市长|居民|城管|部门(?!口)|区别|区分|村民|村长|这里|那里|哪里|家里|心里|夜里|"
    r"门牌号?|地址|地点|位置|地方|网站|站长|站着|现场|立场|当场|在场|住院|院长|"
    r"号码|电话|手机|几号|多少号|口罩|人口|问题|房东|房租|房价|房贷|全部|内部|外部|部分|电池|处理|到处|好处|坏处|"
    r"东西|出门|门票|热门|专门|上门|进门|开门|关门|"
    # 弄 as a verb ("天天弄到半夜", "弄坏了"), not a lane ("长乐弄12号")
    r"弄(?=到|好|坏|脏|得|了|完|不|清|明|错|反|乱|丢|没|成|出|来|去|点|些|一下)"
)

# Words that end a part of a place: roads, numbers, compounds, landmarks, villages.
_STRONG = (
    # house numbers, buildings, units, rooms, village groups
    rf"{_NUM}\s?(?:号楼|号院|号|栋|幢|座|单元|层|楼(?![上下道顶前后])|室|户|组|队|排|弄|巷|期|区)",
    r"(?<=[元楼栋幢座层号])\s?[0-9]{2,5}(?:室|号|户)?",
    # building-unit-room written with dashes, as on a parcel: "3-2-501"
    r"(?<![0-9-])[0-9]{1,3}-[0-9]{1,2}-[0-9]{2,5}(?![0-9-])",
    r"[A-Za-z][0-9]{0,3}\s?(?:座|栋|幢|区|号楼|楼|单元|口|出口|门)",
    r"(?<=号)门(?!口)",
    # the nth house, stall or shop along: "往左拐第三家"
    rf"第{_NUM}(?:家|户|间|排|孔|个门面|个摊位|个档口)|"
    rf"第{_NUM}(?:个|根|棵|盏)(?=[\u4e00-\u9fff]{{0,3}}(?:箱|桶|杆|灯|门|口|亭|井|摊|柜|树|单元|栋))",
    # hospital beds and wards, rooms by use, a community's numbered grid
    rf"{_NUM}\s?床|病区|病房|护士站|开水间|洗衣间|第?{_NUM}?网格(?![员长化])",
    # numbered schools and hospitals: "二中", "一院", "三小"
    rf"{_NUM}(?:中|小|院)(?![心间午学时])",
    # administrative areas and villages
    r"自治区|开发区|高新区|新区|街道|社区|省|市(?!场)|区|县|镇|乡|村|屯|庄|寨|洼|圩|坪|岗|铺|营|堡|"
    r"苏木|嘎查|社(?![会交保员团工长])",
    # roads
    r"大道|大街|马路|公路|国道|省道|高速|高架|隧道|环路|辅路|胡同|巷|弄|路|街|道|段|桥",
    # compounds, buildings, landmarks
    r"小区|花园|家园|新村|公寓|宿舍|家属院|大院|大厦|大楼|广场|中心|苑|园|庭|府|邸|城|阁|轩|墅|坊|"
    r"院|楼|厂|公司|工地|仓库|车库|地下室|市场|商场|超市|菜场|场|店|馆|局|厅|堂|亭|塔|寺|庙|"
    r"学校|中学|小学|大学|学院|幼儿园|校区|校门|医院|诊所|卫生所|派出所|厕所|司法所|供电所|"
    r"居委会|村委会|管委会|办事处|政府|银行|酒店|宾馆|饭店|站|站台|地铁|码头|机场|"
    r"河|湖|江|塘|池|沟|渠|山|坡|岭|林|堤|坝|港|湾|岛|滩|田|菜地|空地|绿地|"
    r"(?i:\b(?:road|rd|street|avenue|ave|lane|building|bldg|tower|plaza|garden|park|room|floor|"
    r"district|village|town)\b)|"
    r"(?:上客|下客|候车|停车|服务|投放|收集|集中|售票|检测|便民|快递|网|站)点|"
    r"天台|房子|平房|楼房|房|部|网吧|酒吧|书吧|茶吧|车位|车棚|棚子|红绿灯|电线杆|变电箱|垃圾桶|垃圾箱|"
    r"档口|摊位|门面|铺面|机井",
)

# Words that place a spot relative to another: part of a place, never one alone.
_WEAK = (
    r"(?:往|向|朝)?[东南西北前后左右]{0,2}(?:走|拐)?(?:大概|大约|约|差不多)?"
    r"[0-9一二三四五六七八九十百几两半]+多?(?:米|公里|里地|步)(?:左右|远|处)?|"
    rf"{_DIR}{{1,2}}(?:门口|门|侧|边|面|角|口|头|端)|(?<=[路街道巷桥河])(?:{_DIR}(?![西]))|"
    rf"以{_DIR}|(?:往|向|朝){_DIR}{{1,2}}|"
    r"门口|大门|侧门|后门|正门|门前|旁边|跟前|斜对面|对面|斜对过|对过|对门|附近|边上|隔壁|拐角|转角|拐弯处|"
    r"楼下|楼上|楼道|楼顶|楼前|楼后|后面|前面|背后|里面|里头|外面|下面|底下|上面|中间|之间|"
    r"一带|周边|周围|沿线|路边|路旁|路口|交叉口|十字路口|丁字路口|交界处|交界|交汇处|交汇|结合部|"
    r"转盘|环岛|出口|入口|边|里|"
    rf"靠{_DIR}{{1,2}}(?:那|这)?(?:侧|边|面|头|端)?|(?<=[树桥墙坡崖头])下(?![午班雨车来去])|隔篱|后身儿?|前脸儿?|(?<=的)(?:那达|那搭|那嘎达|那疙瘩)"
)

# The name before a relative spot, and the words that make it no name ("我家", "这").
_NAME_BEFORE = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}$")
_DEICTIC = re.compile(r"[我你他她俺咱们这那个家的在是就哪□]")
_STRONG_RE = re.compile("|".join(_STRONG))
_TOKEN_RE = re.compile("|".join((_WEAK, *_STRONG)))

# "的" joins two parts of one place only when a place part follows it ("小区的北门").
_AFTER_DE = re.compile(
    rf"的(?:{_DIR}{{1,2}}(?:门|侧|边|面|角|口)|门口|大门|侧门|后门|旁边|对面|斜对面|附近|"
    rf"边上|隔壁|拐角|楼下|楼上|后面|前面|里面|路口|交叉口|出口|入口|公交站|车站|停车场|"
    rf"{_NUM}\s?(?:号楼|号|栋|幢|单元|楼|层)|[A-Za-z]座)"
)

# Rubbish as a complaint, not a rubbish station, bin, sorting kiosk or transfer point (landmarks).
_RUBBISH = r"垃圾(?!站|桶|箱|房|分类|中转|回收|池|屋)"

# What interrupts a place inside a message: pronouns, verbs, times, complaint objects.
_BREAK = re.compile(
    r"的|在|是|我|你|他|她|俺|咱|们|了|吗|呢|吧|啊|呀|把|被|很|没|也|都是|"
    r"不是|不能|不知道|不清楚|有人|有个|有一|有很多|有些|有辆|有只|有条|有家|有|"
    r"一直|经常|总是|老是|天天|每天|晚上|白天|夜里|半夜|早上|凌晨|中午|下午|上午|"
    r"昨天|今天|前天|最近|这几天|好几天|好久|已经|发生|出现|存在|今年|去年|前几天|上周|"
    r"上个月|这个月|刚才|刚刚|经过|走到|来到|骑车|开车|发现|看到|看见|听说|到|从|去|过|"
    r"占道|乱|噪音|施工|装修|漏水|积水|堵|坏|破|臭|吵|脏|"
    rf"路灯|路面|井盖|{_RUBBISH}|污水|下水道|油烟|摆摊|违章|违建|车辆|"
    r"投诉|反映|举报|咨询|请|帮|麻烦|希望|要求|能不能|怎么|什么|为什么|谁|哪|"
    r"一下|关于|对于|住|家住|位于|地址|地点|位置|问题|情况|这个|那个|这边|那边|这里|那里"
)

# What a clause says when it goes on about the problem, not the place ("楼上天天装修").
_COMPLAINT = re.compile(
    r"有人|有个|一直|经常|总是|老是|天天|每天|晚上|白天|夜里|半夜|凌晨|昨天|今天|最近|好几天|已经|"
    rf"坏|堵|漏|吵|臭|脏|乱|噪音|施工|装修|积水|{_RUBBISH}|油烟|摆摊|违章|违建|"
    r"投诉|反映|举报|不管|没人|怎么|什么|为什么|吗"
)

# What a later clause says is wrong at the place ("红绿灯坏了", "道闸老是抬不起来", "水漫出来了"):
# it goes on about the problem, so it belongs in the description, not the place.
_PROBLEM = re.compile(
    r"坏了|坏掉|不亮|不转|抬不起来|落不下来|打不开|关不上|进不去|出不来|漫出来|冒出来|溢出来|"
    # something loose where it should not be: "有几头牛跑到路中间来了"
    r"跑到|窜到|跑进|窜进|闯进|跑出来|窜出来|"
    r"往外冒|滴水|渗水|漏水|堵了|堵住|塌了|倒了|倒在|断了|裂了|困人|困住|占了|闪黄灯|一直闪|"
    r"没人管|没人修|扰民|吵得|臭味|难闻|冒烟|着火|满出来|没了|没来|看不清|淹了|掉进去|差点|害怕|好怕|吓人|返水|翘起来|刮倒|挡着|挡住|趴活|"
    r"堵得|嗡嗡|一整夜|一夜了|响了|偷走|被偷|偷砍|丢了|停了|停电|锁着门|没反应|不敢|没法用|"
    r"有(?:个|一个|好几个|几个|好多)?(?:大|深)?(?:坑|洞|窟窿)(?!塘)|[大深]坑(?!塘)|窟窿|"
    # a nest where people pass: "自行车棚顶上，有个好大的马蜂窝"
    r"(?:马蜂|黄蜂|胡蜂|蜂)(?:窝|巢)|"
    r"被[\u4e00-\u9fff]{0,3}(?:偷|砍|拆|占|堵|撞|挖|剪|砸|堆)|[让叫]人[\u4e00-\u9fff]{0,2}(?:偷|砍|拆|剪|砸|挖|撬)|"
    # something spilled, overturned or let out there: "货车侧翻了", "废水直接流进雨水井"
    r"侧翻|翻了|撒了|堆满|流进|排进|排到|直排|排出来|倒进|扔进|"
    # something gone or hanging loose: "井盖不见了", "灯罩掉下来悬着"
    r"不见了|掉下来|掉下去|悬着|松动|脱落|"
    # something short, burst, drooping or choking the spot: "护栏少了两段", "水管爆了",
    # "电线耷拉下来", "渠里塞满了水葫芦", "水过不去了"
    r"少了|缺了|爆了|耷拉|垂下来|挨到地|塞满|塞住|过不去|"
    # something laid bare or leaning: "电线都露在外面了", "电线杆歪得厉害"
    r"露在外面|露出来|裸露|歪得|斜得|要倒|"
    # someone doing something to the spot: "夜宵摊把桌子摆到路上", "把垃圾倒在河边"
    r"把[\u4e00-\u9fff]{1,6}?(?:摆|堆|停|扔|倒|放|占|挖|拆|砍|锁|围|拦|堵|搭)"
)

# Fillers that open an answer: hesitation, greetings, "在", "地址是", "我家在".
_LEAD = re.compile(
    r"^(?:(?:嗯+|呃+|额+(?=[\s,，…]|在|是|就|家|住|这|那|嗯|呃|$)|哦+|噢+|喔|啊+)[\s,，…]*(?:对+|是的?)?|(?:我|让我|等我)?想(?:一)?想(?:啊|哈|哦|呀)?|(?:我|让我)想一下|"
    # "让我看看", "这个嘛，怎么说呢": a pause before the place
    r"(?:让我|我|等我)(?:看|瞅|瞧)(?:一)?(?:看|瞅|瞧|下)|(?:这个|那个)(?:嘛|么|呢)|(?:怎么|咋)(?:说|讲)呢?|"
    r"哎呀|哎哟|唉呀|哎|唉|诶|欸|喂|那个|这个|就是说|您好|你好|同志|师傅|"
    r"(?:问题|事情|事儿|出事的?地方|地方|具体|具体的)?(?:地址|地点|位置|地方)?(?:在|是|为)?[:：]|"
    r"(?:问题|事情|事儿)?(?:发生|出事)?在|"
    r"(?:问题|事情|事儿)?(?:发生|出事)?(?:的)?(?:具体)?(?:的)?(?:地址|地点|位置|地方)"
    r"(?:的话)?(?:嘛|呢)?(?:就|应该|大概)?(?:是在|是|在|为)|"
    r"(?:我|俺|咱)们?(?:家|这里|这边|这儿|那里|这|那)?(?:就)?(?:住)?(?:就)?(?:是在|在|是|搁|喺)|"
    r"(?:我|俺|咱)们?(?:家|这|那)?(?:就)?住|家住|住在|"
    r"(?:反正|大概|大约|好像|应该|可能|估计|差不多)(?:就)?(?:是在|在|是)|"
    r"就是在|就在|是在|位于|就是|在|是|搁|喺)"
    r"[\s,，、:：]*"
)

# Fillers that close an answer: "这里", "那边", particles and punctuation. "那里", "那儿",
# "那个位置" point at the spot just named ("长椅那里", "以前电影院那个位置") and stay.
_TRAIL = re.compile(
    r"(?:这里|这儿|这边儿?|这块儿?|这一块|这一片|那边儿?|"
    r"这个地方|这个位置|谢谢你们|谢谢你|谢谢|感谢(?:你们|您|你)?|多谢|麻烦你们了|麻烦了|辛苦了|"
    r"(?<![网酒水书茶氧陶话])吧|[啊呢哈呀嘛啦哦喔嘞咯噢呗的了吗]|[\s。．.!！~～…,，、;；:：])+$"
)

# Answers that hold no place: refusals, "don't know", "just asking", assent, greetings.
_REFUSAL = re.compile(
    r"不知道|不清楚|不记得|记不清|记不得|不晓得|不懂|忘了|忘记了|想不起|不想说|不方便|不告诉|不能说|"
    r"保密|隐私|不要登记|不用登记|不登记|不需要登记|就是问问|只是问问|问问而已|随便问问|"
    r"只是咨询|咨询一下|算了|不用了|不需要|不要了|不说了|不想|拒绝|不填|跳过|没有地址|没地址|"
    r"凭什么|关你什么事|说不清|说不上来|不好说|无可奉告|不确定|没法说"
)
_NOTHING = re.compile(
    r"(?:(?:我|俺|咱)们?)?(?:家|家里|单位|公司|老家|村里|外面|外边|路上|本地|当地|这边|那边)|"
    r"(?:没有|没|无|不|否|不用|不要|好|好的|好吧|嗯+|是|是的|对|对的|行|可以|ok|okay|收到|"
    r"谢谢|谢谢你|多谢|你好|您好|喂|哈+|呵+|啥|什么|等一下|稍等|随便|都行|不详|未知|暂无|略|"
    r"no|yes|hi|hello|[/\-_.。?？!！]+)",
    re.IGNORECASE,
)
_COURTESY = re.compile(
    r"谢谢|麻烦|辛苦|快点|赶紧|尽快|抓紧|快来|帮忙|帮我|处理|解决|来人|派人|看看|过来"
)
# Characters no place name holds; a keyword-less answer with one is a sentence, not a name.
_NOT_NAME = re.compile(r"[要不没吗呢吧了是有会能想说问给钱办查去来看让叫做干谁]")
_SENTENCE = re.compile(r"[我你他她俺咱们了吗呢吧啊呀把被很没也]|知道|一下|一直|天天|每天")
_QUESTION = re.compile(r"吗|什么|为什么|干嘛|干什么|怎么|咋|啥|哪|[?？]")

# Phone numbers: mobiles (optionally +86) and landlines with an area code, spaces/dashes allowed.
_PHONE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]){8}(?![0-9])|"
    r"(?<![0-9])[(（]?0[0-9]{2,3}[)）]?[\s-]?[0-9]{3,4}[\s-]?[0-9]{4}(?![0-9])"
)
_PHONE_WORDS = re.compile(
    r"(?:我的|我)?(?:联系电话|联系方式|电话号码|手机号码|电话|手机号|手机|号码)(?:是|为)?[:：]?"
)
# A number named as the caller's phone at the end of a clause: said in words by voice-to-text
# ("电话一三九零零零零一二三四"), or in digits whatever its length ("手机1370009876", one
# digit short).
_NAMED_NUMBER = re.compile(
    rf"\s*{_PHONE_WORDS.pattern}\s*(?:[零〇一二三四五六七八九幺洞\s-]{{7,}}|[0-9][0-9\s-]{{6,}})$"
)
# The caller saying who they are after the place ("我姓周", "我是钱阿姨", "…19号 张师傅"): a
# contact, neither place nor remark; what follows it is about the caller ("就住旁边").
_SELF_INTRO = re.compile(
    r"^(?:我|本人)(?:姓[\u4e00-\u9fff]{1,2}|叫(?![了过来人他她物保城警])[\u4e00-\u9fff]{1,3}|"
    r"是[\u4e00-\u9fff]{0,3}(?:阿姨|叔叔|大叔|大爷|大妈|大娘|师傅|老师|奶奶|爷爷|大姐|大哥|老板|女士|先生|婆婆))"
    r"[啊呀哈呢吧。.！!]*$"
)
# …and where the caller lives, said after it ("就住旁边"): about the caller, not the spot.
_CALLER_HOME = re.compile(r"^(?:我|我家)?(?:就|也)?住(?:在)?(?:旁边|附近|这|隔壁|对面|楼上|楼下)")
_NAME_TAIL = re.compile(
    r"\s+[\u4e00-\u9fff]{1,2}(?:师傅|阿姨|先生|女士|小姐|老师|大爷|大妈|大叔|大姐|大哥|叔叔)$"
)

# The caller saying who they are before the place ("你好，我是歇山大学的学生，姓邹，在…",
# "我是游廊小区的物业小宋 电话139… 位置在…"): a person, by name or role, not a place
# ("我是幸福小区的" names the compound and stays).
_CALLER_FIRST = re.compile(
    r"(?:我|本人)(?:姓[\u4e00-\u9fff]{1,2}|叫[\u4e00-\u9fff]{1,3}|是(?!在)[\u4e00-\u9fffA-Za-z0-9]{0,14}?"
    r"(?:学生|物业|保安|居民|业主|住户|租户|师傅|阿姨|叔叔|大爷|大妈|大姐|大哥|老师|司机|店主|老板|"
    r"家长|志愿者|网格员|工作人员|员工|职工|村民|环卫工|快递员|外卖员|女士|先生|"
    # a name (物业小宋, 保安老丁), not a place (…小学, …小区)
    r"(?<![的在])[小老](?![学区楼院店镇村路街巷屋房站桥河港湾园])[\u4e00-\u9fff]))|姓[\u4e00-\u9fff]{1,2}"
)
_GREETING = re.compile(r"(?:你好|您好|同志你?好|喂)[啊呀]?")
_FIRST_CLAUSE = re.compile(r"([^，,。！!；;\s]+)[，,。！!；;\s]+")
# A question back whether the place can be found ("，你们能找到吗"): courtesy, not the problem.
_CAN_YOU_FIND = re.compile(
    r"^(?:你们|您|你)?(?:应该)?(?:能|可以)?(?:找(?:得|不)?(?:到|着)|看(?:得)?(?:懂|明白)|明白|清楚|"
    r"知道(?:在)?(?:哪|哪里|哪儿|位置)?)(?:了)?(?:吗|么|嘛|不|没|没有|吧)?$"
)

_CLAUSE_SEP = re.compile(r"[，,。！!？?；;\n…]+|\.(?![0-9])")
# A hesitation between two parts of one place ("健康路……12号"): joined without it.
_PAUSE = re.compile(r"[….\s]*")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Words that announce the place inside a message, just before it ("我们村是王集镇李庄村").
_INTRO = re.compile(r"(?:位于|住|地址|地点|位置|在|是)[:：]?$")


# What may sit between two parts of one place in a message: "的那个", "那个".
_DEMONSTRATIVE_GAP = re.compile(r"的?(?:那个|这个|那|这)的?")


@dataclass(frozen=True)
class _Span:
    """A candidate place in a message, with how sure we are that it is the place."""

    start: int
    end: int
    strong: int
    introduced: bool


def _normalise(text: str) -> str:
    """Full-width digits and letters become ASCII and emoji go: "１２号Ｂ座" reads "12号B座"."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif char == "\u3000":
            out.append(" ")
        elif char in "\u200d\ufe0f" or unicodedata.category(char) in ("So", "Sk", "Cs", "Co"):
            continue
        else:
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def tidied_answer(text: str) -> str:
    """An answer to the place question with its fillers taken off ("就在楼下" → "楼下")."""
    return _tidy(_normalise(text))


def _mask(text: str) -> str:
    """Blank out words that hold a place character but are no place, keeping positions."""
    return _TRAPS.sub(lambda m: "□" * len(m.group(0)), text)


def _tidy(text: str) -> str:
    """Strip leading fillers ("就在", "地址是", "我家在") and trailing "这里"/particles."""
    previous = None
    while previous != text:
        previous = text
        text = _LEAD.sub("", text, count=1).strip()
        text = _TRAIL.sub("", text).strip()
    return text


def place_word_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` has a word that ends a place part (医院, 小区, 路, 12号 …), as typed."""
    masked = _mask(text)
    return [m.span() for m in _TOKEN_RE.finditer(masked) if _STRONG_RE.fullmatch(m.group(0))]


def is_place_like(text: str) -> bool:
    """Whether a short answer names a place at all, so a form can re-ask instead of storing junk."""
    return bool(_TOKEN_RE.search(_mask(_normalise(text))))


def _strong_count(masked: str, start: int = 0, end: int | None = None) -> int:
    """How many place words in the (masked) text name a road, number, building or area."""
    stop = len(masked) if end is None else end
    return sum(
        1 for m in _TOKEN_RE.finditer(masked, start, stop) if _STRONG_RE.fullmatch(m.group(0))
    )


def _has_strong(text: str) -> bool:
    """Whether the text names a road, number, building or area, or a landmark before "旁边"."""
    masked = _mask(text)
    if _strong_count(masked) > 0:
        return True
    # "老槐树底下", "小卖部门口": a named thing and the spot beside it; not "我家楼下".
    for match in _TOKEN_RE.finditer(masked):
        name = _NAME_BEFORE.search(masked, 0, match.start())
        if name and not _DEICTIC.search(name.group(0)):
            return True
    return False


def _clauses(text: str) -> list[tuple[int, int]]:
    """The clause spans of the text, split at sentence punctuation."""
    spans: list[tuple[int, int]] = []
    start = 0
    for sep in _CLAUSE_SEP.finditer(text):
        if sep.start() > start:
            spans.append((start, sep.start()))
        start = sep.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _without_phone(clause: str) -> str:
    """The clause with phone numbers and the words naming them removed."""
    clause = _NAMED_NUMBER.sub("", clause)
    if not _PHONE.search(clause):
        return clause
    return _PHONE_WORDS.sub("", _PHONE.sub("", clause)).strip(" -，,：:")


@dataclass(frozen=True)
class _Part:
    """The place one clause of an answer holds, and whether it names something on its own."""

    text: str
    strong: bool


def _place_part(clause: str) -> _Part | None:
    """The place a clause of an answer holds, or None when it is filler, refusal or a phone."""
    clause = _without_phone(clause)
    bare = _tidy(clause)
    if not bare or _NOTHING.fullmatch(bare):
        return None
    if _REFUSAL.search(clause):
        # "不记得门牌了反正在人民路上": the place after the last "在" may survive a refusal.
        after = clause.split("在")
        tail = _tidy(after[-1]) if len(after) > 1 else ""
        if tail and _has_strong(tail) and not _REFUSAL.search(tail):
            return _Part(tail, strong=True)
        # "人民路上具体几号不知道": the place before the refusal.
        inside = place_in_message(clause)
        if inside and not _REFUSAL.search(inside):
            return _Part(inside, strong=True)
        return None
    if _landmark_clause(bare):
        return _Part(bare, strong=False)
    if not is_place_like(bare):
        return None
    strong = _has_strong(bare)
    if not strong and (_QUESTION.search(clause) or _COURTESY.search(clause)):
        return None
    return _Part(_without_complaint(bare), strong)


def _without_complaint(text: str) -> str:
    """The answer without a complaint told after the place ("人民路12号门口有人乱摆摊").

    Only a tail that names no place at all goes, so "小区垃圾堆旁边" stays whole.
    """
    if not _COMPLAINT.search(text):
        return text
    spans = _spans(text)
    if not spans:
        return text
    end = spans[-1].end
    tail = _mask(text[end:])
    if _TOKEN_RE.search(tail) or not _COMPLAINT.search(tail):
        return text
    return _tidy(text[:end]) or text


def _bare_name(text: str) -> bool:
    """Whether a keyword-less answer still reads as a name ("万达", "城南") and not a sentence."""
    masked = _mask(text)
    return (
        2 <= len(text) <= BARE_NAME_LIMIT
        and bool(_CJK.search(text))
        and "□" not in masked
        and not _TOKEN_RE.search(masked)
        and not _NOTHING.fullmatch(text)
        and not _NOT_NAME.search(text)
        and not _SENTENCE.search(text)
        and not _REFUSAL.search(text)
        and not _QUESTION.search(text)
        and not _COURTESY.search(text)
        and not re.search(r"[0-9]{3,}", text)
    )


# A gate named alone ("北门这儿"): the compound was said before; "门口", "楼下" alone say nothing.
_GATE = re.compile(rf"{_DIR}{{1,2}}(?:门|大门|侧门)口?|(?:正门|后门|侧门)口?")

# A correction inside an answer ("…，不对，是…", "刚刚那个地址错了 位置是…"): what follows
# it is the place; a separator or 是/应该 must follow, so no name is cut at "错".
_SELF_CORRECTION = re.compile(
    r"(?:不对|说错了?|写错了?|打错了?|搞错了?|记错了?|弄错了?|讲错了?|错了|记岔了?|说岔了?|手滑了?|"
    # "我看错站牌了，是…", "记错门牌了，应该是…"
    r"(?:看|说|写|记|认)错[\u4e00-\u9fff]{1,4}了|看错了?|看岔了?|"
    r"搞反了?|写反了?|弄反了?|口误(?:口误)?|作废|更正(?:一下)?|纠正(?:一下)?|改一下|不算数?了?|"
    r"重(?:新)?说一(?:遍|下|次)|重(?:新)?说|重新发一?(?:遍|下|次)?)"
    r"(?:[，,。！!；;:：\s]+|(?=应该|是))|"
    # "青松苑三期，啊不是，是青松苑二期": a denial followed by what it is
    # "…88号，哦不，是…98号", "…二组，不不不，是…三组": a bare 不 said again
    r"(?<=[，,\s])(?:啊|哦|噢|呃|哎呀|哎|唉)?(?:(?:不是[，,\s]*){1,3}(?<=[，,\s])(?=是)|不{1,3}[，,\s]+(?=是|应该))|"
    # "桨声路加油站 哦不 橹声路加油站…": an interjection and 不 between pauses, nothing after
    r"(?<=[，,\s])(?:哦|噢|呃|啊)不[，,\s]+(?!是)|"
    r"(?:说反了?|等一下|等等|(?:啊|哦|呃|哎)?不好意思)[，,\s]+(?=应该|是)"
)


def _corrected_place(text: str) -> str | None:
    """The place said after a correction inside the answer, or the place said before with only
    its side corrected; None when there is no correction or nothing strong after it."""
    fixed = list(_SELF_CORRECTION.finditer(text))
    if not fixed:
        return None
    after = text[fixed[-1].end() :]
    side = _side_corrected(text[: fixed[-1].start()], after)
    if side:
        return side
    place = place_from_answer(after) if after.strip() else None
    return place if place and _has_strong(place) else None


# A side of the place said before ("路口北边") corrected alone ("哦不，是南边的公交站").
_SIDE = r"(?:东南|东北|西南|西北|东|南|西|北)(?:边|侧|面|头|角|大门|门)"
_SIDE_FIRST = re.compile(rf"^(?:是|在|是在)?(?P<side>{_SIDE})(?P<rest>.*)$")


def _side_corrected(before: str, after: str) -> str | None:
    """The place said before with only its side corrected ("建设路和文化路路口北边，哦不，是南边的
    公交站" → "建设路和文化路路口南边的公交站"); None when the correction says more than a side."""
    corrected = _SIDE_FIRST.match(after.strip())
    if corrected is None:
        return None
    said = place_from_answer(before)
    if said is None or not _has_strong(said):
        return None
    sides = list(re.finditer(_SIDE, said))
    if not sides:
        return None
    last = sides[-1]
    return _tidy(said[: last.start()] + corrected.group("side") + corrected.group("rest")) or None


# A clause that names a landmark to find the place by ("靠近老邮电所", "有棵大黄桷树").
_LANDMARK_CLAUSE = re.compile(
    r"^(?:靠近|挨着|紧挨着?|紧靠|临近|邻近|"
    r"(?:[\u4e00-\u9fff]{0,4}(?:旁边|边上|附近|对面|门口|前头|前面|后头|后面|楼下|上|底下))?"
    r"(?:有|挂着|立着|贴着)一?[个棵条座排家间口片根栋眼所块堆])(?P<name>[\u4e00-\u9fffA-Za-z0-9]{1,12})$"
)


def _landmark_clause(clause: str) -> bool:
    """Whether a clause names a landmark to find the place by ("有个大水泥墩子"), not a fault
    ("有个井盖没了")."""
    landmark = _LANDMARK_CLAUSE.match(clause)
    if landmark is None:
        return False
    name = landmark.group("name")
    return not (
        _COMPLAINT.search(name)
        or _PROBLEM.search(name)
        or _SENTENCE.search(name)
        or _NOT_NAME.search(name)
    )


# A clause that names the place the citizen did NOT mean ("…，不是门口", "…，而不在路口").
_DENIED = re.compile(r"^\s*(?:而)?(?:不是|不在)")


def _after_caller(text: str) -> str:
    """The answer from its place on, when it opens by saying who the caller is (and a phone)."""
    rest = text
    introduced = False
    where: list[str] = []  # "我是幸福路小学的老师": where the caller is from
    while (clause := _FIRST_CLAUSE.match(rest)) is not None:
        said = clause.group(1)
        if _CALLER_FIRST.fullmatch(said):
            introduced = True
            where += re.findall(r"^(?:我|本人)是(.+?)的", said)
        elif not (
            _GREETING.fullmatch(said) or _PHONE.fullmatch(_PHONE_WORDS.sub("", said, count=1))
        ):
            break
        rest = rest[clause.end() :]
    if not (introduced and _has_strong(rest)):
        return text
    # where the caller is from stays when the place after it does not say it again
    # ("我是幸福路小学的老师，东门外50米的井盖"); a bare 小区 says nothing
    unsaid = [place for place in where if len(place) >= 3 and _has_strong(place)]
    return "，".join([*(place for place in unsaid if place not in rest), rest])


def place_from_answer(text: str) -> str | None:
    """The place a citizen typed in answer to "请问问题发生的具体地点在哪里": the whole place, filler tidied; None when the answer holds no place (e.g. "不知道", "我不要登记，就是问问", a phone number, a refusal, emoji, a question back)."""  # noqa: E501
    text = _after_caller(_normalise(text))
    if not text:
        return None
    if len(text) > WHOLE_ANSWER_LIMIT:
        return place_in_message(text)
    # "碧水湾花园，不对，是碧水名苑5栋楼下": the place said after the correction is the place.
    corrected = _corrected_place(text)
    if corrected:
        return corrected
    # "是小区后门，不是门口": the place denied is not part of the place.
    spans = [(a, b) for a, b in _about_the_spot(text) if not _DENIED.match(text[a:b])]
    parts = [_place_part(text[start:end]) for start, end in spans]
    named = [i for i, part in enumerate(parts) if part is not None and part.strong]
    if not named:
        if len(spans) == 1 and not _PHONE.search(text):
            only = _tidy(text)
            return only if _bare_name(only) or _GATE.fullmatch(only) else None
        return None
    # From the first clause that names a place to the last place clause, as typed; clauses
    # without a place in between (a refusal, a remark) drop out with their separator.
    first = named[0]
    # "每天早上摆摊的那个路口，就是菜市场东头": a spot told by what happens there, then named;
    # "出南门往右拐，…，路西第三家": the way there, then the spot
    while first > 0 and _leads_to(text[spans[first - 1][0] : spans[first - 1][1]]):
        first -= 1
    last = max(i for i, part in enumerate(parts) if part is not None)
    pieces: list[tuple[str, str]] = []
    for i in range(first, len(parts)):
        part = parts[i]
        raw = text[spans[i][0] : spans[i][1]]
        # "…井盖，一直往外冒污水的那个": which one, told by what is wrong with it;
        # "出小区南门往右拐，直走到头再左拐，路西第三家": the way there, between two parts
        if (i != named[0] and (_identifies(raw) or _points_there(raw))) or (
            part is None and first < i < last and _ROUTE.search(raw) and not _QUESTION.search(raw)
        ):
            part = _Part(_tidy(raw), strong=False)
        elif part is not None and i != named[0] and _on_the_way(raw) and not _PROBLEM.search(raw):
            # "…，顺着河边那条小路一直走，…": the way there, as typed, not just its place words
            part = _Part(_tidy(raw), strong=part.strong)
        elif pieces and _goes_on_about_problem(raw):
            break  # "…72号门口，下水道堵了，污水漫到人行道上了": from here on it is the problem
        elif part is None:
            continue
        sep = text[spans[i - 1][1] : spans[i][0]] + raw[: len(raw) - len(raw.lstrip())]
        sep = sep if pieces else ""
        # "…宿舍，就是原来的老粮站后头", "…加油站，就在加油站后面": a later 就是 / 在 says
        # where again, it is no filler
        said = _as_typed_inside(part.text, raw, later=bool(pieces), inner=i < last)
        if pieces and said.startswith(pieces[-1][1]):
            # "回廊路18号，回廊路18号", "卷棚路口，卷棚路口那个公交站台后面": said again, kept once
            pieces[-1] = (pieces[-1][0], said)
            continue
        pieces.append(("" if _PAUSE.fullmatch(sep) else sep, said))
    return _tidy("".join(sep + said for sep, said in pieces)) or None


def _answer_clauses(text: str) -> list[tuple[int, int]]:
    """The clause spans of an answer, a name and phone after a space left out ("宝钞路19号
    张师傅", "宝钞路19号 张师傅 手机139…": the contact's, in either order)."""
    previous = None
    while previous != text:
        previous = text
        text = _NAME_TAIL.sub("", _NAMED_NUMBER.sub("", text)).rstrip()
    return _clauses(text)


def _introduces_caller(clause: str) -> bool:
    """Whether a clause says who the caller is ("我姓周", "我是钱阿姨")."""
    return _SELF_INTRO.match(clause.strip()) is not None


def _about_the_spot(text: str) -> list[tuple[int, int]]:
    """The clauses before the caller says who they are ("…北门，我是钱阿姨，就住旁边")."""
    clauses = _answer_clauses(text)
    for index, (start, end) in enumerate(clauses):
        if index and _introduces_caller(text[start:end]):
            return clauses[:index]
    return clauses


def _as_typed_inside(said: str, raw: str, *, later: bool, inner: bool) -> str:
    """A clause's place with the words tidying took that only open or end the whole answer:
    a later 就是 / 在 says where again, 那个 and 那边 point at the spot ("…，那个大湾崖上",
    "老爸茶店那边，槟榔摊后面")."""
    typed = _without_phone(raw).strip()
    lead = _LATER_LEAD.match(typed) if later else None
    opening = lead.group(0) if lead else ""
    if opening and said.startswith(opening):
        said = said[len(opening) :]
    # "…左转，就是那个修车铺门口": 那个 after a 就是 points at the spot too
    rest = typed[len(opening) :]
    if later and rest.startswith(("那个", "这个")) and not said.startswith(rest[:2]):
        said = rest[:2] + said
    said = opening + said
    if inner and typed.endswith(("那边", "这边")) and not said.endswith(typed[-2:]):
        said += typed[-2:]
    return said


def place_remark(text: str, place: str) -> str | None:
    """What an answer to the place question says besides the place ("…3栋，楼上天天半夜拖凳子"),
    so the ticket keeps it in the description instead of losing it."""
    text = _after_caller(_normalise(text))
    said: list[str] = []
    # the caller's name and home are the contact's, not the spot's; what else follows them is
    # said of the spot ("…2号，我姓吴，路灯坏了三天了")
    clauses = [
        (start, end)
        for start, end in _answer_clauses(text)
        if not _introduces_caller(text[start:end])
        and not _CALLER_HOME.match(text[start:end].strip())
    ]
    tidied = [_tidy(text[start:end]) for start, end in clauses]
    # the clauses after the place's last part: what is said there is said of the spot
    # ("…负一楼，老鼠好多"), whatever its words; corrections and thanks come before or drop out
    placed = [i for i, clause in enumerate(tidied) if clause and clause in place]
    after = placed[-1] if placed else len(clauses)
    for index, ((start, end), clause) in enumerate(zip(clauses, tidied, strict=True)):
        if (
            not clause
            or clause in place
            or _DENIED.match(clause)
            or _SELF_CORRECTION.search(clause)
            or _landmark_clause(clause)
            or _COURTESY_ONLY.fullmatch(clause)
            or _CAN_YOU_FIND.match(clause)
        ):
            continue
        # once the answer turns to the problem, what follows goes on about it ("…，一股臭味")
        typed = _mask(text[start:end])
        if (
            said
            or _COMPLAINT.search(_mask(clause))
            or _PROBLEM.search(typed)
            or (index > after and len(_CJK.findall(_without_phone(clause))) >= 3)
        ):
            remark = _REMARK_TAIL.sub("", _without_phone(text[start:end]).strip())
            if remark:  # "…，我电话159…": the phone is the ticket's, not the description's
                said.append(remark)
    return "，".join(said) or None


# A clause that only thanks or hurries ("麻烦尽快"): no remark.
_COURTESY_ONLY = re.compile(
    r"(?:先|提前|谢谢|感谢|多谢|麻烦|辛苦|你们|您|侬|唔该|尽快|快点|赶紧|抓紧|来人|派人|处理一下|处理|看一下|看看|"
    r"过来|帮忙|来|劳驾|拜托|有劳|[啊呀吧哈啦哦了呢！!]|\s)+"
)
# What ends a remark and says nothing about the problem: punctuation, thanks, emoji.
_REMARK_TAIL = re.compile(
    r"(?:[\s。．.!！~～…,，、;；:：哦啊呀啦嘛哈呢]|谢谢你们|谢谢|感谢|多谢|麻烦了|麻烦尽快|辛苦了)+$"
)


def _identifies(clause: str) -> bool:
    """Whether a clause points at one spot by what is there ("积水最深的那一段")."""
    return bool(_IDENTIFIES.search(_tidy(clause))) and not _QUESTION.search(clause)


# A later clause that names a spot and points at it ("钓鱼台阶那里", "第三根电线杆那头").
_THERE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{2,10}(?:那里|那儿|那块儿?|那一块|那头|那边)$")


def _points_there(clause: str) -> bool:
    """Whether a later clause is a spot pointed at ("钓鱼台阶那里"), not the problem or a person."""
    typed = _without_phone(clause).strip()
    masked = _mask(typed)
    return bool(_THERE.match(typed)) and not (
        _COMPLAINT.search(masked)
        or _PROBLEM.search(masked)
        or _QUESTION.search(typed)
        or _TELLING.search(typed)
        or _SENTENCE.search(typed[:-2])
    )


def _leads_to(clause: str) -> bool:
    """Whether a clause before the named place belongs to it: which spot, or the way there."""
    if _identifies(clause):
        return True
    return _on_the_way(clause) and not (_COMPLAINT.search(_mask(clause)) or _REFUSAL.search(clause))


# A clause that tells what someone did on the way ("我开车过了桥"), not how to get there.
_TELLING = re.compile(r"[我你他她俺咱]|开车|骑车|刚才|刚刚|看到|看见|发现")


# How a later clause of an answer opens when it places the spot again: kept as typed.
_LATER_LEAD = re.compile(r"就是在|就是|就在|是在|在")
# Directions between two parts of a place ("往右拐", "直走到头", "过了第二座桥").
_ROUTE = re.compile(
    r"拐|转弯|掉头|直走|一直走|往前走|走到头|走到底|过了|穿过|沿着|顺着|下了?车|出了|"
    r"(?:往|向|朝)[东南西北左右前后里外]走"
)


# A later clause that ends by pointing at the spot ("一直往外冒污水的那个", "积水最深的那一段",
# "摆摊占道的那块空地") says which one of the place just named: it is part of the place.
_IDENTIFIES = re.compile(
    r"的(?:(?:那|这)一?(?:个|段|块|片|处|截|条|边|头|根|棵|间|家|口|座|排|栋|户)[\u4e00-\u9fff]{0,3}|"
    r"地方|位置|路段|地段)$"
)

# "…棚子的地方": a landmark clause may end this many characters after its last place word.
_LANDMARK_TAIL = 3


def _tells_more(text: str) -> bool:
    """Whether a clause goes on about the problem ("楼上天天装修") rather than the place;
    "有个早餐店", "加油站对面有个汽修店" name a landmark to find the place by."""
    masked = _mask(text)
    if _landmark_clause(text):
        return False
    if _PROBLEM.search(masked):
        return True
    cues = {m.group(0) for m in _COMPLAINT.finditer(masked)}
    if not cues:
        return False
    if cues == {"有个"}:
        ends = [m.end() for m in _TOKEN_RE.finditer(masked)]
        return not ends or ends[-1] < len(_TRAIL.sub("", masked)) - _LANDMARK_TAIL
    return True


def _goes_on_about_problem(clause: str) -> bool:
    """Whether a later clause of an answer tells the problem, judged on the clause as typed
    ("井盖没了" before tidying takes its 了)."""
    typed = _without_phone(clause).strip()
    problem = _PROBLEM.search(_mask(typed)) is not None
    if not problem and _on_the_way(typed):
        return False  # "…拐进汝瓷街，一直往里走，…": the way there goes on
    return _tells_more(_tidy(typed)) or (problem and not _landmark_clause(_tidy(typed)))


def _on_the_way(clause: str) -> bool:
    """Whether a clause only says how to walk on ("一直往里走", "再往前走五十米")."""
    return bool(_ROUTE.search(clause)) and not (_QUESTION.search(clause) or _TELLING.search(clause))


def _breaks(masked: str) -> list[tuple[int, int]]:
    """Where predicates cut the text: never inside a place word ("对过"), nor "的" before one."""
    inside = [False] * len(masked)
    for token in _TOKEN_RE.finditer(masked):
        inside[token.start() : token.end()] = [True] * (token.end() - token.start())
    found: list[tuple[int, int]] = []
    for match in _BREAK.finditer(masked):
        if any(inside[match.start() : match.end()]):
            continue
        if match.group(0) == "的" and _AFTER_DE.match(masked, match.start()):
            continue
        found.append((match.start(), match.end()))
    return found


def _spans(text: str) -> list[_Span]:
    """Every run of place words in the text that no predicate or punctuation interrupts."""
    masked = _mask(text)
    every_cut = _breaks(masked)
    spans: list[_Span] = []
    for clause_start, clause_end in _clauses(text):
        cuts = [(s, e) for s, e in every_cut if clause_start <= s and e <= clause_end]
        regions: list[tuple[int, int]] = []
        start = clause_start
        for s, e in cuts:
            regions.append((start, s))
            start = e
        regions.append((start, clause_end))
        for start, end in regions:
            intro = bool(_INTRO.search(text, clause_start, start))
            tokens = [m for m in _TOKEN_RE.finditer(masked, start, end) if m.end() > m.start()]
            if not tokens:
                continue
            last = tokens[-1].end()
            while last < end and text[last].isdigit():
                last += 1
            piece_start = start
            while piece_start < last and text[piece_start] in " :：、-":
                piece_start += 1
            strong = _strong_count(masked, piece_start, last)
            if strong:
                spans.append(_Span(piece_start, last, strong, intro))
    return _merged(text, spans)


def _merged(text: str, spans: list[_Span]) -> list[_Span]:
    """Join neighbours that only "的那个" separates ("往北五十米的那个公交站台旁边")."""
    merged: list[_Span] = []
    for span in spans:
        if merged and _DEMONSTRATIVE_GAP.fullmatch(text, merged[-1].end, span.start):
            left = merged.pop()
            merged.append(_Span(left.start, span.end, left.strong + span.strong, left.introduced))
        else:
            merged.append(span)
    return merged


def _extend(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a cut entity to the whole run of place words around it, never past a predicate."""
    for span in _spans(text):
        if span.start < end and start < span.end:
            return min(start, span.start), max(end, span.end)
    return start, end


def place_in_message(text: str, entity: str | None = None) -> str | None:
    """A place inside a longer message (a report that also says where), or None. `entity` is the NLU's address entity, possibly cut (e.g. "东路12号" out of "镇淮楼东路12号"): extend it to the whole place span in `text`."""  # noqa: E501
    text = _normalise(text)
    if entity:
        needle = _normalise(entity)
        at = text.find(needle) if needle else -1
        if at < 0 and needle:
            squeezed = needle.replace(" ", "")
            at = text.find(squeezed)
            needle = squeezed
        if at >= 0:
            start, end = _extend(text, at, at + len(needle))
            place = _tidy(text[start:end])
            return place or None
        place = _tidy(needle)
        return place or None
    spans = _spans(text)
    if not spans:
        return None
    best = max(spans, key=lambda s: (s.introduced, min(s.strong, 3), -s.start))
    place = _tidy(text[best.start : best.end])
    return place or None


# What a message may say around a place and still be only the place ("我家在…", "就在…附近").
_AROUND_PLACE = re.compile(r"[我你他她俺咱们家的在是就住于叫那这个边里儿位置地址点上班工作]")
# Characters of a message beyond its place that make it a report, not an address answer.
TELLS_MORE_CHARS = 4


def says_more_than_place(text: str) -> bool:
    """Whether a message names a place and goes on about something there ("36路车站的雨棚被风
    刮没了", "超市标价9块9 结账收了19块9"), not a place alone ("就在万达广场南门附近")."""
    text = _normalise(text)
    place = place_in_message(text)
    if not place:
        return False
    rest = text.replace(place, "", 1)
    return len(_CJK.findall(_AROUND_PLACE.sub("", rest))) >= TELLS_MORE_CHARS


# Correction forms, most specific first: (pattern capturing the new place, whether the text
# names the place field itself). Without the field ("不是A，是B") the new place must name a
# road, number, building or area, so "不是今天，是昨天" is no correction.
_FIELD = r"(?:地址|地点|位置|门牌|住址)"
_CORRECTIONS = (
    (
        re.compile(
            rf"{_FIELD}.{{0,6}}?(?:不对|错了|有误|不准确|不准|弄错|搞错|填错|写错)了?"
            r"[，,。！!；;:：\s]*(?:应该|应)?(?:改成|改为|是在|是|在|为)?[:：]?(?P<new>.+)$"
        ),
        True,
    ),
    (
        re.compile(
            rf"{_FIELD}.{{0,6}}?(?:改成|改为|换成|更正为|更改为|修改为|改到|写成|应为|应该为|"
            r"应该是在|应该是|应该在|应是)[:：\s]*(?P<new>.+)$"
        ),
        True,
    ),
    (
        re.compile(
            r"(?:改一下|改下|修改一下|更正一下|更改一下|换一下|修改|更正|更改|改)(?:一下)?"
            rf"{_FIELD}[，,。:：\s]*(?:为|成|是|到)?(?P<new>.+)$"
        ),
        True,
    ),
    (re.compile(rf"{_FIELD}(?:就)?(?:是在|是|在|为)[:：\s]*(?P<new>.+)$"), True),
    (
        re.compile(
            r"不是(?:在)?(?P<old>.+?)[，,。；;\s]*(?:而)?"
            r"(?:应该是在|应该是|应该在|就是在|是在|是|在)(?P<new>.+)$"
        ),
        False,
    ),
    (
        re.compile(r"不在(?P<old>.+?)[，,。；;\s]*(?:而是在|而在|是在|在)(?P<new>.+)$"),
        False,
    ),
    (
        re.compile(
            r"^(?:不对|错了|搞错了|写错了|弄错了|说错了)[，,。！!\s]*(?:应该|应)?(?:是在|是|在)"
            r"(?P<new>.+)$"
        ),
        False,
    ),
    (re.compile(r"^(?:是在|是|在)(?P<new>.+?)[，,。\s]*(?:而)?不是(?:在)?.+$"), False),
)
_OTHER_FIELD = re.compile(r"电话|手机|号码|姓名|名字|内容|描述|诉求|时间|类别|部门|称呼")


# A place said again with a correction inside it is at most this long: a longer message with
# 不对 in it tells something else.
SAID_AGAIN_LIMIT = 60


def place_correction(text: str) -> str | None:
    """The new place when the citizen corrects it ("地址不对，是…", "地址改成…", "不是A，是B", "位置应该在…", "改一下地点：…"), replacing the old one whole; None when the text is not a place correction."""  # noqa: E501
    text = _normalise(text)
    if not text:
        return None
    if _OTHER_FIELD.search(text) and not re.search(_FIELD, text):
        return None
    for pattern, names_field in _CORRECTIONS:
        match = pattern.search(text)
        if match is None:
            continue
        new = match.group("new")
        place = place_from_answer(new)
        if place and _tells_more(place):
            # "地址是阳光花园小区，楼上天天装修": only the place, not the complaint after it.
            place = place_in_message(new)
        if place and (_has_strong(place) or (names_field and _bare_name(place))):
            return place
    # "在槐荫路16号，哦不，是槐荫路61号": a place said again, corrected inside itself
    if len(text) <= SAID_AGAIN_LIMIT and _SELF_CORRECTION.search(text):
        place = place_from_answer(text)
        if place and _has_strong(place) and not _tells_more(place):
            return place
    return None


# The first named road, compound or landmark in the address: "人民路12号" -> "人民路",
# "幸福家园小区3号楼" -> "幸福家园小区". Numbers, units and directions are dropped.
_PLACE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z]{1,12}?"
    r"(?:大道|路|街|巷|胡同|小区|花园|家园|新村|公寓|苑|庭|府|城|广场|公园|大厦|市场|村|镇|社区|中学|小学|医院|学校))"
)
_PREFIX = re.compile(r"^(?:在|位于|地址是|地址|我家|我们)")


def place_key(address: str | None) -> str | None:
    """Return the leading road/compound/landmark name, or None when nothing recognisable."""
    if not address:
        return None
    text = _PREFIX.sub("", address.strip())
    match = _PLACE.search(text)
    if match is None:
        return None
    return match.group(1)[:60]


# A place typed again at the summary shares at least this many characters in a row with the
# stored one when it completes it ("学校后面那条小河沟" → "稻香路向阳中学后墙外那条小河沟").
SHARED_RUN = 3


def _longest_shared_run(a: str, b: str) -> int:
    """Length of the longest run of characters ``a`` and ``b`` both contain."""
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size


def fuller_place(answer: str, stored: str | None) -> str | None:
    """The place ``answer`` gives, when it is a place alone that says more of the ``stored``
    one (longer, naming a road, number, building or area, and sharing a run of its words);
    else None: a place typed at the summary completes the one taken from the report."""
    if not stored or says_more_than_place(answer):
        return None
    place = place_from_answer(answer)
    if not place or len(place) <= len(stored) or not place_word_spans(place):
        return None
    if _longest_shared_run(_normalise(place), _normalise(stored)) < SHARED_RUN:
        return None
    return place
