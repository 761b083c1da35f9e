"""Urgency rules (``nlu.rules.is_urgent``): colloquial reports of a present danger are flagged,
look-alikes (fees, past events, slow repairs, nuisances, questions) are not.

These phrasings are not in ``bench/nlu_eval/urgent_dev.jsonl`` nor in the held-out set; the
rules were measured on the dev set (``bench/nlu_eval/urgent_eval.py``). Runs in the app env:
``nlu.rules`` imports no Rasa.
"""

from __future__ import annotations

import pytest

from nlu.rules import REQUEST_TYPES, is_urgent, request_type, urgent_cues

URGENT = [
    # told plainly, without an alarm word (issue 14: cold, crowded housing, roads, bleeding)
    "桥洞里蜷着个流浪的大爷，外面零下十来度，身上就一件单衣",
    "工棚里有个工友查出肺结核，现在还跟我们十几个人住一屋，共用一个灶台",
    "大巴司机喝了酒，车上坐着三十多个去春游的学生",
    "这辆农用车超员了，后斗站满了人，刚上了高速",
    "我妈拔完牙回来，血到现在还止不住，满嘴都是",
    "院子里的鸭子死了一大片，我爸埋完晚上就烧到三十九度",
    "卫生间顶上渗水，水顺着流进了电灯开关，开关在冒火星",
    "山上在爆破，飞石砸到了下面的村道上，有学生正放学",
    # water a village drinks with carcasses in it, animals on a fast road, a crossing, a fever round
    "寨子吃水的那口塘里今早漂了两头死猪，大家还不晓得",
    "水库里泡着几只死羊，镇上的自来水就从这抽",
    "高架上跑上来一匹马，车都在躲",
    "铁路道口的栏杆落不下来了，刚过去一趟火车",
    "工地食堂的师傅一个接一个发高烧，饭还照常做",
    "一个工友爬上了吊车顶，说再不结工钱就跳下去",
    "公园门口有个老大爷说不清自己家在哪，穿得很单薄，天快黑了",
    "麦秸烟把县道盖住了，前面看不清，刚才两辆车追尾了",
    "我家厨房一股煤气味 孩子在睡觉 怎么办",
    "单元楼里全是液化气的味道 呛人",
    "隔壁在冒烟 有一股塑料烧着的味",
    "楼下超市着火啦 快来",
    "电梯停在九楼和十楼中间 我跟我女儿在里面",
    "电梯门打不开了 我们被关了二十分钟了",
    "小区后门有两个人拿着钢管互相打",
    "我前夫在我家门口踹门 说要弄死我",
    "我爸在卫生间滑倒了 头磕破了 起不来",
    "老公突然昏过去了 怎么喊都没反应",
    "我家孩子吃了一把药片 不知道是什么药",
    "路边有个老头倒在地上 旁边没人管",
    "主干道上自来水管子裂了 水往外喷 路都淹了",
    "我们这条街的下水道冒水 水漫到店里了",
    "暴雨 村里的河堤冲开了个口子",
    "风把一根电线吹断了 掉在小区门口 还在冒火花",
    "对面工地塔吊在晃 好像要倒",
    "楼上的空调外机掉下来一半 吊在那里",
    "路中间井盖不见了 一个大洞 车来车往的",
    "俺家门口那个井盖子不晓得哪个偷走了 娃儿放学要从这过",
    "班车在山路上坏了 零下十几度 车里没有暖气 老人孩子都在发抖",
    "小区门口那棵老槐树现在树根边上的土都拱起来了 往路上歪 底下就是公交站",
    "我家小孩三岁 在菜市场跟丢了",
    "八十多岁的奶奶早上出去买菜 到现在没回来 手机也没带",
    "一个女的站在江边栏杆上 一直在哭",
    "我闺蜜说她吃了一瓶药 现在不回我消息",
    "有个小朋友掉进池塘了 快来人",
    "邻居老太太一个人住 三天没见她出门了 门从里面反锁",
    "山上的石头滚下来砸到路上 还在往下掉",
    "高架桥下面一辆车起火了 司机还在车里",
    "有人在公交上偷钱包 现在还在车上",
    "家里水管爆了 水一直喷 总阀关不上",
    "楼顶的太阳能热水器被风吹得快掉下来了 下面是小区大门",
    "我家天然气管道接头处有滋滋声 味很重",
    "楼下烟雾很大 楼梯间都看不清了",
    "小区东门变压器着了",
    "电梯从8楼直接掉到3楼 里面有个阿姨吓坏了 门打不开",
    "有个醉汉在小卖部里拿刀比划 老板不敢动",
    "我在出租屋 房东的儿子在外面砸门 说要进来打我",
    "我外公吃饭的时候突然嘴角歪了 说话不清楚",
    "一个老爷爷在十字路口摔了 头磕出血了 一直没起来",
    "家里的暖气管子裂了 热水呲得满屋都是",
    "地下通道的水已经到膝盖了 还有车往里开",
    "路边的电线耷拉下来离地就一米多 小孩放学都从这走",
    "小区那栋老楼外墙大块往下掉 砸坏了一辆车",
    "人行道中间有个井没盖 里面好深",
    "我家4岁的女儿在公园不见了 找了半个多小时",
    "我婆婆有点糊涂 昨晚出门到现在还没回来",
    "有个男孩站在天台边上 看着情绪很不对",
    "村东头池塘边有个小孩落水了",
    "邻居家独居老太太家门口的牛奶三天没拿 电话也不接",
    "马路上有辆拉油的罐车翻了 油流了一地",
    "工地上一个工人被钢筋砸到了 流了好多血",
    "我现在坐的大巴上司机一边开车一边刷视频 好几次压到对面车道",
    "村口小桥昨晚被冲掉了半边 早上还有人骑摩托从上面过",
    "湖上的木栈桥刚才断了一截，上面还站着几个人",
]

NOT_URGENT = [
    "着火了着火了！我买的股票又跌停了",  # a figure of speech
    "我们奶茶店生意好得跟着火了似的，想问分店营业执照怎么办",
    "家里暖气不热 晚上冻得睡不着",
    "零下五度了 暖气费什么时候能降",
    "去年塘里死过一头牛，现在那塘早就不用来吃水了",
    "铁路道口什么时候能改成立交桥",
    "楼下那棵树长歪了 挡住我家阳光",
    "燃气灶怎么换 燃气公司能上门吗",
    "家里装了燃气报警器 想问一下要年检吗",
    "上个月电梯困过人 后来换了新的主板",
    "电梯太旧了 建议更换",
    "前天小区门口有人打架 警察来了 已经处理了",
    "我家小孩期末考试没考好 被我打了一顿 现在后悔",
    "老人摔伤住院 护工费能报销吗",
    "医保卡丢了怎么补办",
    "身份证丢了在哪补",
    "水管有点滴水 不急 周末来修就行",
    "下水道有点堵 慢慢往下流",
    "小区路灯太暗了 晚上走路不安全",
    "马路上的井盖响 开车过去咯噔一下",
    "楼道里电动车停得乱七八糟",
    "邻居家装修砸墙 吵得孩子睡不着",
    "饭店油烟熏得我家窗户都是油",
    "烧烤摊冒烟 衣服晾不了",
    "申请公租房需要什么条件",
    "孩子被学校老师骂了 想投诉",
    "公交司机开得太猛 差点摔倒 想投诉他",
    "快递被偷了",
    "我想咨询一下失业金怎么领",
    "你们这个服务太慢了 急死人了",
    "去年小区着火的那栋楼什么时候修好",
    "以前这里经常有人打架 现在好多了",
    "我家狗走丢了 是一只白色泰迪",
    "气死了 物业又涨价",
    "天然气灶点火点不着 没有闻到气味",
    "小区里的树太多 蚊子多",
    "想问一下家里老人走失了怎么办身份证明",
    "燃气灶换个新的 燃气公司给不给装",
    "上周煤气管道改造 施工的把我家墙弄脏了",
    "电梯里的空调不凉",
    "电梯维修期间 能不能给老人安排个临时座椅",
    "前几天小区有人打架的视频 网上传开了 派出所处理了吗",
    "孩子学校附近的网吧让未成年人进去",
    "我爸住院了 医保异地能结算吗",
    "想问下120的电话收费吗",
    "家里水压太小了 洗澡都不行",
    "楼上漏水把我家天花板泡了 想找物业协调赔偿",
    "停电通知说今晚十点来电 现在还没来",
    "小区井盖上的漆掉了 不好看",
    "想问问走失老人的寻人启事在哪里发",
    "公园的湖太脏了 有好多垃圾",
    "早上跑步看到一棵树倒了 园林的已经在锯了",
    "烧烤店的烟飘到我家阳台 衣服都是味",
    "装修公司拿了定金跑路了",
    "邻居家的狗咬了我家的狗 怎么处理",
    "上个月我被打了 派出所到现在都没给结果",
    "工地的塔吊晚上还在干活 吵得不行",
    "救命 地铁口的共享单车堆成山了 推车过不去",
    "我家的柯基跑丢了 急死了 谁看见了",
    "昨晚大风刮倒一棵树，还好当时没人，今早已经被锯开拖走了",
]


@pytest.mark.parametrize("text", URGENT)
def test_present_danger_is_urgent(text: str) -> None:
    assert is_urgent(text), urgent_cues(text)


@pytest.mark.parametrize("text", NOT_URGENT)
def test_look_alikes_are_not_urgent(text: str) -> None:
    assert not is_urgent(text), urgent_cues(text)


@pytest.mark.parametrize(
    ("urgent", "calm"),
    [
        # negation: the person word before 被困 counts
        ("电梯坏了 有人被困", "电梯坏了 没人被困"),
        # past and settled vs still going on
        ("楼下有人在打架", "昨晚楼下有人打架 现在已经散了"),
        # a slow repair complaint: its 现在 does not make the danger present
        ("路面塌了个大坑 现在还在往下陷", "去年塌方的路段到现在还没修好"),
        # a question about what to do, not a report
        ("煤气泄漏了 现在满屋子味", "发现煤气泄漏应该打哪个电话"),
        # smoke from a house vs from a grill or a chimney
        ("隔壁窗户往外冒黑烟", "烧烤摊天天冒烟 熏得没法开窗"),
        # a missing child vs a missing pet
        ("我家孩子在超市走丢了", "我家猫走丢了"),
        # breathing failing now vs a sore throat asked about
        ("吃了芒果嘴巴肿起来，现在喉咙堵住了透不过气", "喉咙疼了一个礼拜，社区医院能看吗"),
        # a tree split open over people now vs one split last year and felled
        ("路口那棵大樟树裂开一条大缝，树底下好多学生在等车", "去年台风把樟树劈开了，后来砍掉了"),
        # water over a bridge people cross now vs a flood over a bridge told as last year's
        ("河水已经漫过桥面了，对岸的学生还在往这边走", "去年涨大水时水漫过了桥面，今年加高了"),
        # someone lying in a road at night vs a road that is dug up
        ("半夜马路中间躺着个人，车一辆辆绕过去", "马路中间挖了个坑，半个月没填"),
        # an old neighbour living alone unseen for days (a letter's words) vs one who is fine
        (
            "对门的王老师独自居住，每天必下楼散步，如今已三日未见，敲门不应",
            "对门的王老师独自居住，每天必下楼散步，身体硬朗",
        ),
        # praise for a past rescue
        ("燃气管漏气了 快来人", "表扬燃气公司师傅上次半夜来修漏气"),
        # a near miss: it almost happened and nobody was hurt, unless it is still going on
        ("楼上掉下来一块水泥板 砸伤了人", "楼上掉下来一块水泥板 险些砸到人 请物业查一下"),
        ("大巴急刹 一个老人摔倒了 头在流血", "大巴急刹 一个老人差点摔倒 司机也不道歉"),
        # a near miss still under way stays urgent
        ("差点被烟呛晕 现在楼道里还是浓烟", "差点被烟呛晕 幸好窗户开着 投诉楼下饭店排烟"),
        # a nuisance that happens every night, not a fight now
        ("KTV门口有人在打架", "KTV门口每晚都有人喝多了闹事 吵得没法睡"),
        # settled: the person was taken somewhere safe, the tree was cut away
        ("路边有个老人说不清家在哪 一直在发抖", "路边有个老人说不清家在哪 已经把他送到社区了"),
        ("电梯里面有人被困 在喊救命", "电梯里面有人吸烟 味道很大"),
        # many people ill from one meal, more still eating; the same told as last year's story
        (
            "单位食堂中午吃完三十多个人上吐下泻 还有人在吃",
            "前年公司年会有二十几个人食物中毒 后来饭店赔了钱",
        ),
        # a junction's lights all dark with traffic in chaos, vs one slow light
        (
            "建设路口的信号灯全都灭了 车各走各的 刚才一个电动车差点被撞",
            "建设路口的红绿灯绿灯时间太短了 老人过不去",
        ),
        # 救命 said of homework
        ("救命 我同学掉进河里了", "救命啊 明天要交的作业还有一半没写"),
        # 救命 said of a physics problem; people trapped now vs trapped yesterday and let out
        ("救命 我同学掉进河里了", "救命！！！这道物理题我算了三遍答案都不一样"),
        ("电梯困人了 里面有人在喊救命", "昨天被困电梯半个小时，后来出来了，物业到现在也没个说法"),
        # a family ill from the tap water now, vs rusty water nobody has fallen ill from
        ("自来水发黄，全家喝了以后上吐下泻，孩子发烧了", "自来水发黄，有铁锈味，烧开了有沉淀"),
        # 救命 said of a noise nuisance is a figure of speech
        ("救命 楼下有人拿刀砍人", "救命啊！！楼上又在蹦迪 凌晨一点了 地板都在震"),
        # an outbreak among children kept going, vs a parent asking what insurance pays
        (
            "托儿所五个小朋友确诊了水痘 园里说不停课照常上",
            "我家两个孩子都得了流感 想问问医保能报多少",
        ),
    ],
)
def test_guards_tell_the_pair_apart(urgent: str, calm: str) -> None:
    assert is_urgent(urgent), urgent_cues(urgent)
    assert not is_urgent(calm), urgent_cues(calm)


def test_empty_and_blank_text_is_not_urgent() -> None:
    assert not is_urgent("")
    assert not is_urgent("   ")
    assert urgent_cues("") == []


def test_whitespace_and_typos_do_not_hide_a_gas_smell() -> None:
    assert is_urgent("楼道里 煤汽味 好重")
    assert is_urgent("闻到一股臭鸡蛋味")


def test_request_type_is_unchanged_for_urgent_messages() -> None:
    assert request_type("电梯卡在两层之间 里面有人", "求助") == "求助"
    assert request_type("我要举报有人在小区里偷电动车", "举报") == "举报"
    for text in URGENT + NOT_URGENT:
        assert request_type(text, None) in REQUEST_TYPES
