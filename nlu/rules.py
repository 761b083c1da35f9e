"""Urgency and request-type (诉求类型) rules for citizen messages.

Pure functions over text: no Rasa, no I/O, so both the Rasa env (Python 3.10, wrapped by
``nlu.components.HotlineAnnotator``) and the app env (Python 3.12, unit tests) can use them.

* :func:`is_urgent` — danger to life, health or property *now*: a gas smell, a fire, a
  collapse, a person trapped in a lift, a burst main flooding a street, an old person alone
  and unwell, a lost child, violence in progress … A cue does not count when it is negated
  (没有闻到煤气味), in the past and settled (上个月电梯坏过, 已经修好了), hypothetical or a
  policy question (万一燃气泄漏怎么办, 燃气费怎么交).
* :func:`request_type` — 咨询 求助 投诉 举报 建议 表扬 from cue words, falling back to the
  category default of ``data/catalogue.yml``; ``None`` for messages that are not dispatched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REQUEST_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")

# --------------------------------------------------------------------------------------------
# Urgency
# --------------------------------------------------------------------------------------------

_PERSON_OLD = (
    r"(?:老人|老太太|老太|老大爷|大爷|大妈|奶奶|爷爷|姥姥|姥爷|外婆|外公|老爷子|老伯|阿婆|阿公|"
    r"老两口|老母亲|老父亲|我妈|我爸|母亲|父亲|邻居|老头|老奶奶|老大娘)"
)
_ALONE = (
    r"(?:独居|独自居住|一人独居|独自一人|一个人住|一个人在家|独自在家|孤寡|空巢|没人照顾|无人照顾|"
    r"身边没人|家里没人)"
)
_ACUTE = (
    r"(?:晕倒|昏倒|摔倒|跌倒|昏迷|不省人事|叫不醒|叫不应|没反应|没有反应|没动静|起不来|爬不起来|"
    r"喘不上气|呼吸困难|犯病|发病|抽搐|休克|倒在地上|倒地)"
)
_CHILD = r"(?:孩子|小孩|小孩儿|儿子|女儿|娃|伢|宝宝|小朋友|闺女|孙子|孙女|儿童|老人|老母亲|老父亲|我妈|我爸|丫头|崽|小的那个|老大|老二|[一二两三四五六七八九十1-9]岁的?)"  # noqa: E501

# Each cue is a regex for a present danger. Order does not matter.
_URGENT_CUES: tuple[str, ...] = (
    # gas
    r"(?:燃气|煤气|天然气|液化气|瓦斯)(?:管道?|罐|表|阀门?|灶)?(?:泄漏|泄露|漏气|漏了|外泄|爆炸|爆了|喷)",
    r"(?:煤气|燃气|天然气|液化气)(?:的)?(?:味|气味)",
    r"漏气",
    # fire, explosion, smoke
    r"失火|火灾|火苗.{0,4}(?:窜|蹿|很高|老高|烧到|往上)|火光|冒火|火势|浓烟|爆炸",
    # electricity hazard
    r"电线.{0,4}(?:掉|断|垂|落|裸露|冒火|打火|着火|搭在)|漏电|触电|电杆.{0,3}倒|电线杆.{0,3}倒|变压器.{0,4}(?:着火|冒烟|爆|冒火)|高压线.{0,4}(?:掉|断|落)",
    # collapse
    r"塌陷|坍塌|塌方|倒塌|塌了|要塌|快塌|塌下来|陷下去|天坑|墙.{0,4}(?:倒了|要倒|裂开|倾斜)|危房|楼.{0,3}(?:倾斜|歪了)",
    r"(?:掉|砸)下来.{0,6}(?:砸|伤)|(?:砸到|砸伤|砸中)(?:人|车|行人|路人|小孩|老人)|随时(?:可能|会|要)?(?:掉|倒|塌|砸|断)",
    # elevator
    r"(?:困|关|卡|锁)在.{0,4}电梯|电梯(?:里|内).{0,4}(?:困|关|卡)(?:了|着|住)|电梯.{0,8}(?:困人|困住|被困|关人|关着人|卡人|出不来|下坠|坠落|急坠|冲顶|溜梯|夹人|夹住)|被困(?!扰|难)|(?:困|关|锁)(?:着|了|住了?)(?:人|一个人|两个人|老人|小孩|孩子)|电梯.{0,10}(?:里面?|内)(?:还)?有人(?!抽|吸|乱|贴|小便|尿|吐|打广告|发广告|吵|说话|打电话|遛狗)",
    # water: burst main, flooding
    r"爆管|(?:水管|自来水管|供水管|主管道|管道|管子|水管子)(?:突然)?(?:爆|破|裂|崩)(?:了|开|裂)?|喷水|冒水|涌水|水柱|水漫|漫(?:到|进|上)|淹了|被淹|淹到|淹没|积水.{0,6}(?:很深|齐腰|没过|过膝|进屋|进家)|(?:家里|屋里|楼道|地下室|车库).{0,4}进水",
    # person at risk (old person alone / unwell)
    _PERSON_OLD + r".{0,12}" + _ACUTE,
    _ALONE
    + r".{0,16}(?:不舒服|生病|病了|发烧|没吃饭|几天没|好几天|联系不上|不开门|没人应|没动静|没反应|"
    + _ACUTE[3:-1]
    + r")",
    r"(?:不舒服|生病|病了|发烧|没吃饭|几天没出门|联系不上|" + _ACUTE[3:-1] + r").{0,12}" + _ALONE,
    _ALONE
    + r".{0,40}(?:[两三四五几](?:天|日)(?:没|未)|好几天|没见人|没见着|没露面|敲门.{0,4}(?:没|不))",
    r"晕倒|昏倒|昏迷|不省人事|人事不省|[晕昏抽](?:了)?过去了?|背过气|抽搐|休克|喘不上气|喘不过气|上不来气|喘得厉害|嘴唇(?:有点|都)?发紫|呼吸困难|心脏病(?:发作|犯了)|大出血|流了很多血|流血不止|中毒|吐血|快不行了|生命危险|出人命|命悬一线|救命(?!钱)|快来人",
    # lost child / missing person
    _CHILD
    + r"[^证卡包钱机匙料本票书]{0,6}(?:走丢|丢了|不见了|找不到了?|走失|失踪|被拐|被抱走|没回家)",
    r"(?<![猫狗物])(?:走失|走丢|失踪)|被拐|迷路的?(?:老人|孩子|小孩)",
    # violence, crime in progress
    r"打人|打架|斗殴|群殴|持刀|拿刀|拿着刀|砍人|捅人|行凶|抢劫|抢东西|抢包|家暴|殴打|被打(?!扰)|威胁.{0,4}(?:杀|砍|打)|杀人|绑架|非礼|猥亵|跟踪我|砸(?:东西|车|门|店)|闹事|撬门|入室|小偷.{0,4}(?:在|正)",
    # self-harm, drowning
    r"跳楼|跳河|自杀|轻生|寻短见|不想活|落水|溺水|掉(?:进|到)(?:河|水|井|坑)|(?:人|孩子|小孩|老人).{0,4}掉下去|"
    r"(?:人|孩子|小孩|娃|伢|老人)[^，。！？,.!?]{0,4}沉下去",
    # open manhole / hole hazard on a road
    r"井盖.{0,6}(?:没了|丢了|不见了|缺失|被偷|被盗|掀开|移位|翻了|翻起来|翘起|翘着|塌了|碎了|破了|没有盖|没盖)|井盖子?.{0,10}(?:偷走|偷了|撬走|拿走了)|没有井盖|(?:没|无)盖的?(?:井|窨井)|掉进.{0,3}井",
    # trees and structures about to fall
    r"树.{0,6}(?:倒了|要倒|倒下|压(?:住|在|到)|砸(?:到|了|中)|倒在)|(?:广告牌|招牌|店招|脚手架|塔吊|围挡).{0,6}(?:掉|倒|塌|砸|摇摇欲坠|松动|要掉|晃)",
    # a tree split open with people under it ("老黄葛树裂了条大缝…树底下好多人在等车")
    r"树.{0,6}(?:裂了|裂开|开裂|劈开|劈了|裂了?一?条(?:大)?缝)[^。！？!?]{0,24}(?:底下|下面|树下|下头)"
    r"[^。！？!?]{0,4}(?:有人|好多人|很多人|一堆人|人在|孩子|学生|老人)",
    # water over a bridge or a road people still cross ("水已经没过桥面了…校车还要过来")
    r"(?:没过|漫过|淹过|盖过)了?(?:桥面|路面|桥|马路|公路|村道)",
    r"摇摇欲坠",
    r"(?:刮|吹|压|砸)(?:断|倒)了?.{0,8}(?:横在|挡|压|砸|挂|堵)|横在(?:路|马路|路中间|路上|路口)|(?:电线|树枝|树干).{0,4}(?:挂在|悬在|垂)",
    r"(?:人|我|孩子|小孩|老人|我们|他们|她|他|女儿|儿子).{0,4}(?:被)?(?:关|困|锁|卡)在(?:里面|里头|里边|电梯|屋里|厕所|车里)",
    # more phrasings: lost or stranded people, elevators, gas odour, fights, fraud in progress
    r"(?:老人|老太太|老爷子|大爷|奶奶|爷爷|我妈|我爸|母亲|父亲).{0,8}(?:迷路|找不到家|出门.{0,6}没回|一直没回|一夜没回|没回来|走丢|走失|联系不上)",
    r"(?:流浪|乞讨|拾荒).{0,12}(?:冻|饿|晕|躺在|倒在|病|发烧|单薄|下雪|零下|寒冷|很冷|受伤|昏|不动)",
    r"躺在(?:路边|地上|马路|街上|桥洞|桥下|雪地|绿化带)|倒在(?:路边|地上|马路|街上|楼道)",
    # someone lying in a road with traffic ("路中间趴着个人，一身酒气，车子从两边过")
    r"(?:路中间|马路上|马路中间|路当中|车道上|公路上|路上)(?:有|还)?(?:趴|躺|倒|睡)着(?:一?个)?人",
    # breathing failing (an allergy, a choke): "喉咙好似塞住咗，抖气好辛苦", "透不过气"
    r"喉咙.{0,6}(?:塞住|堵住|卡住|肿得)|透不过气|(?:抖气|透气|出气|呼吸)(?:好|很|都|越来越)?(?:辛苦|困难|费劲|吃力)",
    r"(?:孩子|小孩|儿童|婴儿|女儿|儿子)[^，。！？,.!?；;]{0,8}(?:独自在家|一个人在家|被锁|被遗弃|被扔|被打|虐待|没人管.{0,4}(?:饿|哭)|饿得|哭了.{0,4}(?:几个|一)(?:小时|天))|虐待",
    r"电梯.{0,10}(?:卡住|卡在|停在.{0,6}(?:之间|中间|半空|层间)|突然(?:停|掉|下降|往下|坠)|往下掉|失控|门(?:打|开)不开|打不开|急停|不动了)",
    r"困梯|电梯.{0,6}有人(?!抽|吸|乱|贴|小便|尿|吐|打广告|发广告|吵|说话|打电话|遛狗)|(?:人|孩子|老人|我|我们).{0,6}(?:在|困在|关在|卡在)电梯",
    r"臭鸡蛋味|(?:燃气|煤气|天然气)管(?:道|线|子)?.{0,6}(?:挖断|挖破|断了|破了|裂|漏)",
    r"(?:变压器|电箱|配电箱|电表箱|电缆).{0,6}(?:冒烟|着火|爆|火花|起火|冒火)",
    r"打起来|动手了|动刀|持械|拿着?(?:棍|刀|棒|砖|铁锹)|砸玻璃|追着打|围殴|互殴|(?:醉汉|醉酒|喝醉).{0,8}(?:打|砸|闹|骚扰|拿)",
    r"(?:楼顶|天台|桥上|窗台).{0,8}(?:要跳|想跳|坐着不下来)|(?:要|想)跳(?:楼|河|桥)|"
    r"(?:塔吊|吊车|屋顶|房顶|高压塔|铁塔|广告牌|脚手架)[^。！？!?]{0,12}(?:要跳|想跳|跳下来|跳下去)",
    r"(?:正在|正|马上|让我|要我|叫我|逼我).{0,4}转账|(?:尾随|跟踪)(?:我|她|他|小孩|孩子)",
    r"(?:毒气|刺鼻|化学|农药|氨|氯|硫化氢).{0,14}(?:头晕|恶心|喘不过气|呼吸困难|中毒|晕倒|送医)",
    r"(?:罐|槽车|罐车|化工|工厂|液体|气体|储罐).{0,6}(?:泄漏|泄露|外溢)",
    r"救救|求救|救人|人命关天|来人啊|赶紧来人|危在旦夕",
    r"(?:电动车|电瓶车|充电|电线|插座|楼道|屋里|家里|厨房|车里|车子).{0,6}(?:冒烟|起烟|烧焦)|烟雾报警",
    r"洪水|山洪|暴涨|决堤|(?:马路|路面|路上|街上|小区|地下车库).{0,4}(?:全是水|一片汪洋|成河|变成河|成了河)",
    r"呼吸机|制氧机|透析",
    r"高空抛物|高空坠物|(?:外墙|墙皮|瓷砖|玻璃|空调外机|阳台|窗户|花盆).{0,6}(?:掉下来|脱落|坠落|砸下)",
    r"(?:狗|犬).{0,4}(?:咬|扑)(?:人|伤|了(?!.{0,4}(?:狗|猫|鸡|鸭|羊)))|被狗咬",
    r"电梯.{0,6}(?:里|内)(?:面)?(?:还)?有(?:人|个|一个|两个|老人|小孩|孩子)(?!抽|吸|乱|贴|小便|尿|吐|打广告|发广告|吵|说话|打电话|遛狗)|电线杆.{0,3}(?:歪|斜)",
    r"围堵|堵在门口不让|不让(?:我|我们)(?:走|出去)|非法拘禁|扣押(?:我|人)|追(?:着)?(?:我|砍|打)|(?:正在|正)(?:偷|撬|抢|砸|打)",
    r"(?:智障|精神|痴呆|老年痴呆|阿尔茨海默).{0,10}(?:走失|走丢|迷路|找不到|在街上|乱跑)",
    # an old person out alone who cannot say where home is ("问他家在哪说不上来")
    r"(?:老人|老太太|老太|老爷子|老头|老汉|大爷|大娘|奶奶|爷爷|婆婆)[^。！？!?]{0,24}"
    r"(?:家在哪|住哪|住在哪|叫什么|哪里人)[^。！？!?]{0,4}"
    r"(?:说不上来|说不清|说不出|答不上|不知道|记不得|想不起|问不出)",
    r"(?:孩子|小孩).{0,10}(?:一个人|独自).{0,8}(?:哭|在路上|在街上|找不到)|[几两三]天没吃(?:饭|东西)|饿了(?:好)?几天",
    r"(?:卧床|瘫痪|失能|重病).{0,10}(?:没人管|没人照顾|无人照顾|一个人)",
    r"井盖.{0,6}(?:翘|敞|陷下|松动.{0,6}(?:车|人|崴|摔))|井口.{0,4}(?:敞|开着|没盖)",
    # hazardous chemicals
    r"(?:化学品|危化品|毒气|氨气|氯气).{0,6}(?:泄漏|泄露|漏|冒)|有毒气体",
    # ---- colloquial phrasings without the textbook keyword --------------------------------
    # gas: typos (煤汽, 天燃气), an odour "like gas", a hissing pipe, a valve that will not close
    r"(?:煤汽|燃汽|天燃气|沼气|汽油)(?:的)?(?:味|气味|味道|味儿)",
    r"(?:味|气味|味道|味儿).{0,6}像(?:是)?(?:煤气|燃气|液化气|天然气|煤汽)",
    r"(?:燃气|煤气|天然气|液化气|气罐|气瓶).{0,8}"
    r"(?:在漏|漏了|往外冒|冒气|出气|嘶嘶|呲呲|滋滋|有(?:股|点)?味|关不上|关不住|关不紧|拧不动)|灶台.{0,8}有(?:股|点)?味",
    r"(?:嘶嘶|呲呲).{0,6}(?:响|声)|一氧化碳|煤气中毒|(?:煤炉|炭火|炭盆|烧炭).{0,12}(?:头晕|呕吐|想吐|晕|中毒)",
    r"(?:怪味|异味|刺鼻|股味|有味|气味).{0,12}(?:头晕|想吐|呕吐|眼睛疼|喘不上|喘不过|晕倒|晕了)",
    # fire and smoke where people are (not a factory chimney)
    r"火.{0,2}(?:很大|越来越大|窜|蹿)",
    r"山火|森林火|自燃|燃起来|引着|点着了|烧着了|烧过来|烧到(?!\d)|火势蔓延|蔓延到|烧焦的?味",
    r"(?:田|地|山|林|草|房|车|屋|楼|棚|堆|垃圾|树|板|箱|柜|麦|稻)(?:子|堆)?着了",
    r"(?:电|箱|线|插座|表|灯杆).{0,6}(?:噼里啪啦|噼啪|冒蓝光|冒火|火花|火星)|火星子|电火花",
    r"(?:电线|电缆).{0,4}(?:泡在|泡着|浸在|掉进水)|(?:水里|积水|水中).{0,6}(?:电线|电缆|带电)",
    # people trapped, caught or buried
    r"(?:扶梯|电梯|机器|栏杆|门缝|卷帘门).{0,6}(?:卡住|夹住|夹到|卷进|卡在|压住)|"
    r"(?:头|手|脚|腿|胳膊|手指)(?:被)?(?:卡|夹|卷)(?:在|住|进)|卷进去|绞进",
    r"(?:电梯|扶梯|车里|冷库|屋里|房间).{0,20}(?:(?:人|都)?还在里面|在里面出不)|被埋|埋了(?:人|半截|一个)|压在(?:下面|底下)",
    # violence, robbery, stalking, fraud in progress
    r"抢(?:手机|钱|包|劫|孩子|小孩)|勒索|要(?:砍|杀|捅|打死|弄死)|按(?:在)?地上打|往死里打|"
    r"被人?(?:砍|捅|刺|围殴)|(?:拿|持|举)着?(?:菜刀|刀子|棍子|酒瓶|铁棍|砍刀)",
    r"(?:一直|一路)?跟着我|(?:拽|拖|拉扯|强行(?:抱|拉|带))着?(?:一个|个)?(?:小女孩|小男孩|孩子|小孩|女孩)|不认识(?:他|她|这个人)",
    r"(?:堵|围)(?:在|住).{0,8}(?:要钱|打|不让)|冒充.{0,10}(?:转|汇|打款|转账)|(?:让|叫|逼)我转",
    r"头破|流(?:了)?(?:好多|很多|一地|满脸|一身|不少)血|满脸是血|头上.{0,4}流血",
    r"被(?:人)?打了.{0,10}(?:还在|在楼下|在门口|追)",
    # medical emergencies in everyday words
    r"说不出话|半边身子|口眼歪斜|嘴歪了|一动不动|吐白沫|口吐白沫|没(?:有)?呼吸|没意识|失去意识|没知觉|心跳(?:停|没了)|心脏骤停|(?:人|他|她)(?:好像|快)?没气了",
    r"误(?:喝|吃|服|食)|喝(?:了)?(?:农药|敌敌畏|百草枯|消毒液|洗洁精|84)|吃了.{0,4}(?:安眠药|老鼠药)|吞了",
    r"(?:心口|胸口)疼|胸痛|心绞痛|喘不过气|(?:疼|痛)得.{0,4}(?:站不起来|起不来|打滚|直不起)",
    r"(?:人|他|她|老人|大爷|大叔|阿姨|大妈|孩子|学生|小孩|工人|有的|老太太|老头|男的|女的|司机)"
    r"[^把的]{0,10}(?:(?<![饿绕气累看转])晕(?:了|倒|过去|在)|(?<![偷乱])倒(?:下了?|在地上?|地)|倒了(?=$|[，。！？,.!?]|在|下|半天|好久|起不来|不动)|"
    r"抽(?:了|搐|起来))",
    r"(?:从|在).{0,8}(?:架子|楼上|楼梯|梯子|高处|屋顶|脚手架).{0,4}(?:摔|掉|跌|坠)下来|(?:摔|掉|跌|坠)下来了",
    r"叫不醒|叫不应|突然(?:就)?.{0,3}(?:头疼|头痛|胸口疼|胸痛|心口疼|肚子疼|喘不|说不出话|倒|晕|抽|瘫)",
    r"(?:高烧|发高烧).{0,6}(?:抽|惊厥|昏|说胡话)|120.{0,4}(?:打不通|没来|还没到)|等救护车",
    r"(?:一家人|全家|好多人|很多人|大家|几个人|好几个人|好多学生|不少学生|多名)(?:都)?.{0,4}"
    r"(?:头晕|呕吐|眼睛疼|上吐下泻|中毒|晕倒|晕了|送医|喘不上)",
    r"孕妇.{0,10}(?:疼|流血|要生|破水)|羊水破|踩踏|被踩(?:倒|伤|在)|中暑.{0,4}(?:倒|晕)|在地上(?:抽|打滚)",
    r"(?:车祸|撞车|被车撞|撞(?:了|倒|到)(?:人|小孩|孩子|老人)).{0,12}(?:躺|卡在|流血|起不来|不动|昏|没反应|伤得|救护车|120)|"
    r"(?:侧翻|翻车|车翻了).{0,12}(?:人|冒烟|起火|流|漏|卡|伤)",
    # water rising, dams and bridges
    r"(?:街|路|楼道|家里|屋里|院子|车库)(?:上|里)?.{0,3}(?:都是|全是)(?:水|污水)",
    r"(?:水|水位|河水).{0,6}(?:还在涨|越涨越高|越来越深|涨上来)|还在涨|人在车顶|积水.{0,6}(?:太深|淹到)",
    r"(?:堤|坝|水库).{0,8}(?:渗水|漏水|口子|裂|决|垮)|冲垮|冲毁|冲走|管涌",
    # structures giving way
    r"往下掉(?:砖|水泥|石头|东西|灰|瓷砖|渣|块)|掉(?:砖头|水泥块|石头|瓦片)|地在往下沉|往下沉|往下滑|滑坡|泥石流",
    r"(?:桥|楼|阳台|河|湖|江|天台|高架|楼梯).{0,6}(?:栏杆|护栏|围栏).{0,4}(?:断|倒|塌|松)|"
    r"(?:栏杆|护栏|围栏).{0,4}(?:断|倒|塌|松).{0,10}(?:底下|下面|车道|掉下去)|(?:墙|楼|房).{0,6}(?:歪|裂|倾斜).{0,12}(?:倒|塌|人|孩子|小孩)|(?:砸|拆|打)(?:了|掉)?承重墙|承重墙.{0,4}(?:砸|拆|打掉)",
    r"(?:下水井|雨水井|窨井|井口|井).{0,3}(?:没盖|没有盖|敞|盖子没|盖碎|翻了)",
    # missing people: children, people with dementia, people who cannot find their way home
    _CHILD + r"[^的年]{0,10}(?:[没冇](?:到家|回来|回家)|联系不上|打不通|找不着|没影|人没了|找不到)",
    r"(?:老人|老太太|老爷子|大爷|奶奶|爷爷|姥姥|姥爷|外婆|外公|我妈|我爸|母亲|父亲)[^的]{0,8}"
    r"(?:不见了|找不到|找不着|没影)|(?:走出去|跑出去|出门|出去)(?!打工|工作|上班)[^年]{0,12}(?:没回来|没找到|找不到|没回)",
    r"说不清(?:家|住)|找不到家|不知道家在哪|记不得家",
    # self-harm and people at a drop
    r"往下跳|(?:要|想)跳|栏杆外|结束(?:一切|生命|自己)|安眠药|寻死|活不下去|了结自己",
    r"(?:孩子|小孩|人).{0,12}(?:楼顶边|天台边|窗台外|窗户外|空调架|阳台外|栏杆外)",
    r"掉(?:进|到)?.{0,2}(?:河|水塘|水里|井里|坑里|塘|湖|池)|扑腾|不会游泳|溺",
    # people at risk alone
    r"一个人在(?:老家|家里|乡下|农村).{0,24}(?:没人接|打不通|不接电话|联系不上|心脏病|摔|不舒服)",
    r"(?:孤寡|独居|空巢|一个人住|身边没人).{0,12}(?:高烧|发高烧|发热)|(?:高烧|发高烧).{0,12}(?:身边没人|一个人)",
    r"(?:孩子|小孩).{0,12}(?:旁边没大人|没大人)|(?:孩子|小孩|老人).{0,6}(?:马路中间|快车道|高速上).{0,4}(?:跑|走|玩|坐|躺)",
    # animals, loose objects on a road
    r"咬伤|咬了(?:人|小孩|孩子|老人)|见人就(?:扑|咬)|(?:进了|有)(?:一)?条蛇|毒蛇|马蜂.{0,6}(?:蛰|叮)",
    r"横在(?:快速路|高速|马路|路中间|路上)|紧急避让|压力表爆|锅炉.{0,6}(?:爆|冒汽|响)|"
    # a vehicle overturned on the road now ("有辆拉砖的货车侧翻了，砖撒了半边路")
    r"(?:车|货车|卡车|罐车|槽罐车|大巴|客车|三轮|拖拉机)[^，。！？,.!?]{0,3}(?:侧翻|翻了|翻倒|翻到沟里)(?![一两几三四五好]*[回次遍])|翻车了",
    # broader families (smoke and burning smells are in _GUARDED_CUES below)
    r"(?:拿|持|举|抄|握|挥)着?(?:一把|一根|根|把)?(?:菜刀|刀|钢管|铁棍|棍子?|棒子?|砖头?|酒瓶|斧头|铁锹|锤子|枪)|"
    r"互相(?:打|殴打|砍|扭打)(?!手心|招呼|电话|闹|趣)|对打|打成一团|扭打|扭在一起|持枪|有枪",
    r"(?:喊|叫|拍|推|摇)(?:他|她|也|都|了)*(?:没|不)(?:反应|醒|应)|昏(?:过去|了过去|迷)|晕过去",
    r"(?:吃|吞|喝)了(?:一(?:把|瓶|整瓶|板|盒)|好多|很多|大量|半瓶|一大把)",
    _CHILD + r"[^的证卡包钱机匙料本票书]{0,10}(?:跟丢|走散|丢了|走丢|不见)",
    r"(?:站|坐|爬|蹲)(?:在)?[^的]{0,6}(?:栏杆|护栏|窗台|楼顶边|天台边|楼顶|天台|桥边)(?:上|外|边)|楼顶.{0,4}(?:有人|站着)",
    r"落石|(?:石头|土|泥|山体|树).{0,6}(?:滚|冲|滑|砸)下来|(?:石头|砖|东西).{0,6}砸到",
    r"有人(?:在)?.{0,8}(?:(?<!偷)偷(?![偷倒排砍烧捕伐挖开运拉建盖卖种放拍税工电葬])|扒|抢|撬)|扒手|进了?(?:小偷|贼)|有贼|小偷.{0,6}(?:还在|就在)",
    r"(?:暖气|热水|消防)(?:管|管道|片).{0,4}(?:爆|破|裂|喷|崩)",
    # more families: smoke you cannot see through, a device on fire, a lift in free fall …
    r"(?:器|箱|机|线|厂|店|房|楼|屋|棚|堆|林|田|山|草|柜|桶|罐)(?:子)?着了",
    r"电梯.{0,10}(?:掉到|掉了|直接掉|往下掉|坠|滑到|冲到)|"
    r"电梯.{0,24}(?:门打不开|里面有(?:人|个)(?!抽|吸|乱|贴|小便|尿|吐|吵|打电话|遛狗))",
    r"嘴(?:角)?歪|口角歪|说话不清|口齿不清|手脚不听使唤|(?:一直|还)没(?:起来|爬起来)|(?:摔|跌)了(?:一跤|一下)?.{0,6}(?:起不来|没起来|血|不能动)",
    r"(?:磕|摔|撞|砸|割|划|碰)(?:得|出|破)?.{0,2}(?:出血|流血|血了)|(?:头|脸|腿|手|身上)(?:上)?(?:在|一直)?(?:流血|出血|冒血)",
    r"(?:水|积水).{0,8}(?:到|没过|淹到|齐|过)(?:了)?(?:膝盖|腰|胸|大腿|小腿|车门|车窗|轮胎|脖子)",
    r"电线.{0,6}(?:耷拉|垂下来|离地|拖在地上|拖地|低得)",
    r"(?:外墙|墙体|墙皮|楼体).{0,6}(?:大块|整块|往下掉|掉下来)|砸(?:坏|扁|中|到|伤)了?(?:一辆|一个(?:人|行人|路人|小孩|孩子|老人)|人|车|行人|路人)",
    # poison in water people use now: a discharge or carcasses upstream of washing, drinking
    r"(?:(?:排|倒|流|放|漏|冒|漂)[^，。！？,.!?]{0,8}(?:河|沟|渠|塘|井|水库|水源|水里)|"
    r"(?:往|向|朝)[^，。！？,.!?]{0,6}(?:河|沟|渠|塘|井|水库|水源)里?(?:排|倒|放)).{0,24}"
    r"(?:洗菜|淘米|挑水|吃水|喝水|饮用|做饭|取水|洗衣|浇菜|(?:吃|喝|用)的(?:水)?(?:就|都|全)?是"
    r"|自来水(?:就|都|全)?是?从"
    r"|喝了.{0,3}水.{0,8}(?:拉肚子|上吐下泻|呕吐|头晕|中毒))",
    # …or flowing into the water named by its use: "废水流进村里人洗菜挑水的那口塘"
    r"(?:废水|污水|脏水|毒水|药水|废液|农药|粪水)[^，。！？,.!?]{0,8}(?:排|倒|流|放|漏|灌)(?:进|到|入)"
    r"[^，。！？,.!?]{0,12}(?:洗菜|淘米|挑水|吃水|喝水|饮用|做饭|取水|洗衣)[^，。！？,.!?]{0,6}"
    r"(?:河|沟|渠|塘|井|水库|水源|池子|水池|水窖)",
    # people ill from the tap or well water they drink: "自来水发黄 全家喝了以后上吐下泻"
    r"(?:自来水|水龙头|井水|饮用水|喝的水|吃的水)[^。！？!?]{0,20}(?:喝了|喝完|吃了|喝过)"
    r"[^。！？!?]{0,12}(?:拉肚子|上吐下泻|呕吐|中毒|发烧|头晕)",
    r"(?:取水口|水源地|饮用水|自来水厂|吃的水|吃水的|喝的水|喝水的).{0,16}(?:污染|排污|排了|倒了|漂着|漂了|死猪|死羊|死牛|有毒|发臭)|"
    r"(?:死猪|死羊|死牛|死鸡|死鸭|死畜|死牲口).{0,16}(?:取水|饮用|吃水|水源|水厂)",
    # fish dying in the water a village drinks: something is in it now
    r"(?:水库|河|塘|井|水源|水里)里?.{0,8}(?:死鱼|鱼.{0,2}翻白|鱼.{0,3}死了一片).{0,30}"
    r"(?:自来水(?:就|都|全)?是?从|吃水|喝的水|饮用|(?:吃|喝|用)的(?:水)?(?:就|都|全)?是)",
    # carcasses lying in water that people wash with, drink or irrigate from now
    r"(?:河|沟|渠|塘|井|水库|水源|水里)里?[^。！？!?]{0,10}(?:死猪|死羊|死牛|死鸡|死鸭|死畜|死牲口)"
    r".{0,30}(?:洗菜|淘米|挑水|吃水|喝水|饮用|做饭|取水|洗衣|浇菜|浇地|灌溉|饮牲口|自来水|抽水|抽的水)",
    # a large animal loose on a fast road or a bridge, cars braking round it now
    r"(?:牛|羊|马|驴|骡子|猪)[^。！？!?]{0,8}(?:跑到|跑上|窜到|窜上|闯到|闯上|上了|冲上)[^。！？!?]{0,4}"
    r"(?:快车道|高速|高架|大桥|桥上|主路|马路中间|路中间|国道)|"
    r"(?:快车道|高速|高架|大桥|主路|国道)上?[^。！？!?]{0,4}(?:跑|窜|闯|冲)(?:上来|进来|出来)?"
    r"(?:了)?(?:一|几|好几)(?:头|匹|只)(?:牛|马|驴|骡子|猪)",
    # a level crossing whose barrier does not come down
    r"道口[^。！？!?]{0,8}(?:栏杆|栏木|道闸)[^。！？!?]{0,8}(?:坏|不落|不放|落不下|放不下|一直抬着)",
    # fever or rash going round people one after another, now
    r"(?:一个接一个|接二连三|一个传一个|一个挨一个)[^。！？!?]{0,6}"
    r"(?:发烧|发高烧|高烧|咳嗽|腹泻|上吐下泻|出疹|起疹|起红疹|出红疹)",
    # people stranded in the cold: a breakdown or a blizzard, no heating, children freezing
    r"(?:零下|暴风雪|大雪|寒潮|冰天雪地).{0,40}(?:冻得|冻僵|冻伤|冻坏|冻哭|发抖|没暖气|没有暖气|被困|困在|抛锚)",
    r"(?:车里|车上|路上|路边|外面|室外|野外|山上|桥下|桥洞|雪地|站台).{0,20}冻(?:得|僵|伤|坏|哭)",
    # a person sleeping or lying out in freezing cold now, barely covered
    r"(?:睡着|躺着|蜷着|蜷在|缩着|缩在|露宿|只盖|只穿|光着).{0,30}(?:零下|下雪|结冰|冰天雪地|寒潮)|"
    r"(?:零下|下雪|结冰|冰天雪地|寒潮).{0,30}(?:睡着|躺着|蜷着|蜷在|缩着|缩在|露宿|只盖|只穿|光着)",
    # an old person who cannot say where home is, thinly dressed, night or cold coming
    r"(?:老太太|老奶奶|老大爷|老爷爷|老人|大爷|大妈)[^。！？!?]{0,16}"
    r"(?:讲不清|说不清|说不出|不记得|找不到)[^。！？!?]{0,8}(?:家|住哪)"
    r".{0,30}(?:单薄|天快黑|天黑了|风很大|下雪|零下|冻得)",
    # bleeding that does not stop, now
    r"血[^。！？!?，,]{0,6}(?:止不住|止不了|流个不停|流不停|没止住|停不下来)|止不住血|血流不止",
    # fever in someone who handled poultry or livestock that died in numbers
    r"(?:死鸡|死鸭|死鹅|鸡|鸭|鹅|禽)[^。！？!?]{0,8}死了?(?:一批|一群|好多|很多|一片|一大片).{0,40}"
    r"(?:发烧|发高烧|高烧|烧到|烧了?三十?[89九八])",
    # sparks or crackling from a lamp, socket or wires that water reached, now
    r"(?:漏水|进水|渗水|泡水|水).{0,20}(?:灯|插座|电线|电箱|电闸|开关).{0,12}(?:冒火星|打火|滋滋|噼啪|冒烟)",
    # smoke or dust over a road, crashes happening
    r"烟[^。！？!?]{0,10}(?:罩住|遮住|盖住|看不清|看不见|啥也看不见)[^。！？!?]{0,20}(?:追尾|撞|出事|翻车)",
    # blasting throwing stones onto a road or houses now
    r"(?:放炮|爆破|炸石|炸山)[^。！？!?]{0,20}(?:碎石|石头|石块|飞石)[^。！？!?]{0,12}"
    r"(?:蹦到|飞到|砸到|落到|崩到|掉到|砸在)",
    # a big tree whose roots are lifting out of the ground: about to fall
    r"树.{0,12}(?:根|土).{0,8}(?:翘起|拱起|掀起|拔起|松动|裂开)",
    # ---- dangers told as a story, without the textbook keyword (voices_fresh, 2026-12-05) ----
    # a child gone in a crowd the moment the parent looked away
    r"(?:转(?:个)?身|一转眼|一眨眼|一扭头|一回头|没看住|没留神|没注意)的?(?:功夫|工夫)?.{0,6}"
    r"(?:人|孩子|小孩|娃)?(?:就)?(?:不见了|没影了|没了影|找不到了|找不着了)",
    # someone who lives alone, acutely ill now, however long the story before it
    _ALONE + r".{0,60}" + _ACUTE,
    r"说话.{0,4}含(?:含)?糊|舌头(?:发)?(?:硬|大)|(?:头晕|头疼|头痛)得(?:厉害|不行|站不住)",
    # a vehicle crammed with children (or people) on the road now
    r"(?:校车|接送车|面包车|客车|大巴|三轮车|农用车|货车).{0,20}(?:超载|超员|塞了|挤了|装了)"
    r".{0,24}(?:正(?:往|在)|在路上|开往|开着|上路|还在开|往.{0,8}开)",
    # a bridge or road half washed away that people still cross: "早上还有人骑摩托从上面过"
    r"(?:桥|桥面|路基|路面)[^。！？!?]{0,10}(?:冲掉|冲垮|冲断|冲走|冲塌|塌了|断了|垮了)"
    r".{0,40}(?:还有人|还有车|上面还(?:站|坐|有|在)|有人[^。！？!?]{0,8}(?:过|走)"
    r"|(?:明天|一早|每天)[^。！？!?]{0,6}要过|还在过)",
    # the driver of a full bus or coach not watching the road, now
    r"(?:司机|师傅)[^。！？!?]{0,6}(?:一边|边)开(?:车)?[^。！？!?]{0,2}(?:一边|边)(?:刷|看|玩|打)"
    r"(?:手机|视频|抖音|快手|游戏|电话)|(?:司机|师傅)[^。！？!?]{0,8}(?:喝醉了|醉醺醺|满身酒气|打瞌睡|睡着了)"
    r"[^。！？!?]{0,16}(?:还在开|开着|开车|在开)",
    # a drunk driver with passengers on board, or an overloaded vehicle driven fast, now
    r"(?:司机|师傅)[^。！？!?]{0,8}(?:喝醉|醉醺醺|满身酒气|喝了酒|喝得)[^。！？!?]{0,12}[，,]?"
    r"(?:车上|车里)[^。！？!?]{0,6}(?:拉了|拉着|坐了|坐着|载着|装了|有)",
    r"(?:超载|超员|站满了|挤满了|塞满了).{0,30}(?:开得飞快|开得很快|开得贼快|飙车|猛开|盘山路|"
    r"上了高速|刚上高速|在高速上|正在开|还在开)",
    # a road surface giving way under traffic
    r"(?:路面|桥面|路上|高速|马路|公路).{0,8}(?:裂开|裂了|断开|大口子|大坑|鼓包|拱起|塌)"
    r".{0,30}(?:爆胎|翻车|翻了|撞了|撞上|撞到|摔了|摔倒|出事了|掉进去|陷进去)",
    # diseased carcasses on their way to be eaten
    r"(?:病死|死了?的|死)(?:猪|羊|牛|鸡|鸭|畜|牲口).{0,40}(?:卖给|拉去卖|运去卖|拿去卖|上市|肉贩|加工|做成|灌香肠)",
    # infectious disease spreading where many people live close together
    r"(?:好几个|几个|多个|一半|十几个|二十几个|三十几个|很多|不少|一群|多名)人?[^，。！？,.!?]{0,6}"
    r"(?:发烧|发高烧|高烧|咳嗽|咳血|咯血|腹泻|上吐下泻|出疹).{0,30}"
    r"(?:传染|疫情|隔离|流感|甲流|新冠|还让(?:上班|上课|干活)|越来越多)",
    r"(?:传染病|肺结核|霍乱|痢疾|伤寒|诺如|水痘|麻疹|猩红热).{0,30}"
    r"(?:好几个|一半|十几个|二十几个|多人|很多人|一群|宿舍|出租屋|工棚|群租|集体)",
    # a busy junction whose lights have all gone dark, traffic in chaos now
    r"(?:红绿灯|信号灯|交通灯)[^。！？!?]{0,6}(?:全灭|全黑|全都黑|全都灭|全部黑|都灭了|都黑了|全不亮|都不亮|全部不亮|全都不亮)"
    r"[^。！？!?]{0,30}(?:乱成|乱套|各走各|抢道|差点(?:被)?撞|撞上|放学|学生|车流)",
    # a dozen or more people taken ill at once (one banquet, one canteen): more are eating now
    r"(?:十几|二十几|三十几|几十|[一二三四五六七八九]十多?|\d{2,}多?)(?:个|名|位)[^，。！？,.!?]{0,8}"
    r"(?:上吐下泻|呕吐|腹泻|拉肚子|食物中毒|中毒)",
    # …counted by classes, dormitories or tables ("好几个班孩子上吐下泻")
    r"(?:好几|几|两|三|整)个?(?:班|宿舍|车间|桌|寝室|病房)的?(?:孩子|小孩|学生|人|工人|老人)?"
    r"[^，。！？,.!?]{0,6}(?:上吐下泻|呕吐|腹泻|拉肚子|食物中毒|中毒)",
    # an outbreak among small children or the old, kept going or kept quiet
    r"(?:[一二两三四五六七八九十几]+|\d+)(?:个|名|位)(?:孩子|小孩|学生|幼儿|小朋友|老人)"
    r".{0,6}(?:确诊|感染|得了|染上|查出).{0,6}"
    r"(?:手足口|水痘|麻疹|猩红热|诺如|流感|甲流|肺结核|结核|腮腺炎|肺炎|新冠|传染病)",
    r"(?:手足口|水痘|麻疹|猩红热|诺如|流感|甲流|肺结核|结核|腮腺炎|传染病).{0,40}"
    r"(?:不停课|不让停课|不能停课|不肯停课|照常上课|别往外说|不让说|瞒着|捂着|还在一起)",
    # an infectious patient who still shares rooms, a kitchen or a toilet with many people
    r"(?:肺结核|结核|传染病|水痘|麻疹|疥疮|诺如|猩红热|霍乱|痢疾).{0,60}"
    r"(?:还住在|还住这|住在这里|共用|一个屋|一间屋|挤在一起|没地方去|不肯隔离|不隔离|没隔离)",
    r"(?:宿舍|出租屋|工棚|群租|集体|好几个人|十几个人|很多人).{0,16}"
    r"(?:传染病|肺结核|结核|霍乱|痢疾|伤寒|诺如|水痘|麻疹|猩红热).{0,24}(?:越来越多|传开|蔓延|还(?:跟|和)|一起住|一起上课|不隔离|没隔离)",
    # ---- urgent_fresh7 / chat_fresh18 misses (2026-12-06), in general words ----
    # a fraud under way: a "police" video call sharing the screen, people queuing to pay now
    r"(?:屏幕共享|共享屏幕|开了共享)[^。！？!?]{0,12}(?:密码|验证码|转账|转钱|银行卡|输)|"
    r"(?:正在|正)(?:排队)?[^。！？!?，,]{0,8}(?:取钱|扫码转|转钱|汇钱|交钱)",
    # many children or babies sick at once: vomiting after one meal, spray drift, a nursery
    r"(?:十几|二十几|好几|好多|一群|一半)(?:个)?(?:伢|娃|娃娃|孩子|小孩|学生|宝宝|婴儿|小朋友)?"
    r"[^，。！？,.!?]{0,6}(?:都在吐|在吐|吐了|直吐|拉肚子发烧|发烧拉肚子|又吐又拉)",
    # a child missing from a head count, or not back by dark ("集合的时候少了一个五岁的小朋友",
    # "到现在天黑了都不见回来"); a code read out to a caller now; someone on cracking ice
    r"少了(?:一|两|1|2)?个[^，。！？,.!?]{0,6}(?:小朋友|孩子|小孩|学生|娃)|"
    r"(?:到现在|天黑了?|天都黑了)[^。！？!?]{0,6}(?:都|还)?(?:不见|没见)(?:回来|人影|人)|"
    r"(?:正在|正)[^。！？!?]{0,12}(?:念|报|读|告诉|发)[^。！？!?]{0,4}验证码|"
    r"冰面上[^。！？!?]{0,12}(?:裂|不敢动|塌|掉下去)|冰窟窿|掉进冰|"
    # people stuck up on a ride or a cable car ("摩天轮停了半个钟头…厢里有两个老人在喊")
    r"(?:摩天轮|过山车|索道|缆车|大摆锤|跳楼机|游乐设施)[^。！？!?]{0,16}"
    r"(?:停了|停在半空|卡住|卡在|不动了|悬在|倒挂)[^。！？!?]{0,20}(?<![没无])(?:人|老人|孩子|小孩|游客)",
    # urgent_fresh10's misses (2026-12-06, seventh), in general words: many sick with fever or a
    # rash in shared rooms; fire climbing a wall to a floor; a farewell from a bridge; someone
    # told to dial 119/120/110 now (a child not back, 冇回来, is the missing-child cue above)
    r"(?:十几|十来|二十几|好几|一半|五六|六七|七八|八九)(?:个)?(?:人)?[^，。！？,.!?]{0,6}"
    r"(?:发烧|高烧|起红疹|出红疹|起疹子|出疹子)|"
    r"(?:往上烧|烧到(?:了)?[一二三四五六七八九\d]+楼|燎到|火苗[^，。]{0,4}(?:窜|往上))|"
    r"别找(?:我|他|她)[^。！？!?]{0,40}(?:桥|江边|河边|楼顶|天台)|(?:定位|位置)[^，。]{0,4}在[^，。]{0,8}(?:大桥|桥上|桥中间|江边|楼顶|天台)|"
    r"快(?:打|叫|拨)(?:119|120|110)",
    # shaking with cold, no heating, nobody reachable
    r"冻得(?:直抽|直哆嗦|打摆子|浑身发抖|直发抖|嘴唇发紫|脸发紫|说不出话)",
    # an old person who cannot say where home is, night coming ("问她家在哪说不清楚…天快黑了")
    r"(?:家在哪|住哪|家住哪)[^。！？!?]{0,6}(?:说不清|讲不清|说不出|不知道|不记得)"
    r".{0,30}(?:单薄|天快黑|天黑了|风很大|下雪|零下|冻得|糊涂)",
)
_NUISANCE_SMOKE = (
    r"烟囱|烧烤|烤串|烤肠|烤玉米|炉子|油烟|排烟|抽烟|吸烟|焚烧|秸秆|烧纸|烧香|工厂|厂里|锅炉房|熏|污染|"
    r"尾气|排气|冒牌|质量|假货|太旧|烧垃圾|烧东西|烧树叶|烧落叶"
)
# Cues that are nuisances rather than dangers in some settings: (cue, setting). The cue
# counts only when the message does not name such a setting (a chimney or a grill smokes
# every day; a house does not).
_GUARDED_CUES: tuple[tuple[str, str], ...] = (
    # "着火了着火了！我买的基金全绿了", "生意火得跟着火了似的": a figure of speech
    (
        r"着火|起火|烧起来",
        r"基金|股票|股市|理财|彩票|生意|直播间|朋友圈|热搜|人气|粉丝|网红|爆红|游戏|"
        r"着火了?(?:似的|一样)|像着火|跟着火",
    ),
    (
        r"(?<!油)(?<!抽)(?<!吸)冒(?:着)?(?:黑|白|浓|青)?烟|"
        r"烟.{0,2}(?:冒出来|往上窜|往上蹿|窜上|蹿上|往外冒|呛得.{0,4}(?:睁不开|喘不))|"
        r"烟雾(?:很大|弥漫|太大)|烟(?:很大|太大).{0,6}看不(?:清|见)",
        _NUISANCE_SMOKE,
    ),
    (r"烧焦味|焦糊味|烧着的?味|糊味|焦味", _NUISANCE_SMOKE),
    (
        r"(?:水|水管|管子|自来水).{0,8}(?:像喷泉|往外冒|哗哗|呲呲|滋滋)",
        r"浪费|冲水|水龙头|马桶|污水|下水道|化粪池|粪",
    ),
    (
        r"(?:人|我|孩子|小孩|老人|他|她|工人|司机|我们|我妈|我爸)[^车]{0,10}(?:出不去|出不来|拔不出来)",
        r"停车|停在|车停|挡住|堵住|占道|轮椅|车位",
    ),
)
_URGENT_RE: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = [
    (re.compile(p), None) for p in _URGENT_CUES
] + [(re.compile(p), re.compile(x)) for p, x in _GUARDED_CUES]

# Words that look like negation but are not (…是不是…, 不知道, 出不来, 不停 …).
_FAKE_NEGATION = re.compile(
    r"是不是|不知道|不晓得|不得了|不停|不断|不了|不来|不去|不住|要不|不行|了不|不少|不小|不远|不管|不能|不敢|不动|不好|不开|不上|不醒|无人|没人"
)
_NEGATION = re.compile(
    r"(?:没有|没|不是|不|无|未|并非|别|非|防止|预防|避免|以免|防)"
    r"(?:闻到|闻见|闻着|发现|看到|看见|听到|感觉到?|有|再|出现|被|人|什么|啥)?$"
)
# 没人被困, 没有人受伤: checked on the raw window (没人 is otherwise a fake negation).
_NEGATION_PERSON = re.compile(r"(?:没有?|无)人(?:被)?$")
# … and inside a cue that spans it (电梯坏了没人被困).
_NEGATION_INSIDE = re.compile(r"(?:没有?|无)人(?:被)?(?:困|关|卡|锁|伤|受伤)")

# A cue in a clause that is hypothetical, about prevention, fees or procedure.
_HYPOTHETICAL = re.compile(
    r"万一|如果|假如|假设|要是|一旦|怎么预防|预防|防范|防止|演练|宣传|科普|知识|培训|讲座|安全检查|安检|"
    r"报警器(?!.{0,4}(?:响|叫|报警|鸣))|怎么(?:交|缴)|交费|缴费|费用|燃气费|煤气费|电费|水费|开户|过户|报装|安装|改装|改管|"
    r"以后|将来|会不会|担心|怕|隐患|安全吗|是否安全|有没有|危险吗|标准|政策|规定|补贴|报销|保险|赔偿|理赔|认定|鉴定|"
    r"电视|新闻|电影|小说|游戏|梦见|梦到|听说|据说|谣言|怎么办理|流程|材料|手续|的话|"
    r"应该(?:怎么|打|找)|打(?:什么|哪个)电话|安全教育"
)
# The message asks a question about the danger (what number to call, is it normal, can I
# apply …) or praises a past rescue, rather than reporting it; a strong "now" overrides.
_CONSULT_FRAME = re.compile(
    r"想问|正常吗|去哪(?:里|儿)?打|能不能申请|怎么申请|科普|咨询一下|表扬|感谢|点赞|锦旗"
)
_STRONG_NOW = re.compile(r"现在|正在|还在|赶紧|快来|快点|救命|刚刚|刚才|马上|此刻|立刻|立即")
# The danger is over.
_RESOLVED = re.compile(
    r"已经(?:被)?(?:修好|修复|处理|解决|救出|恢复|灭了|扑灭|没事|找到|送医|抢修好|堵上)|"
    r"已经(?:散了|走了|结束|送(?:到|去|回|医)|在(?:处理|修|锯|清理|抢修))|现在(?:好多了|好了|没事|正常了|没有了|不会了)|差点(?:上当|就转|被骗)|"
    r"(?:修好了|处理好了|解决了|恢复了|找到了|救出来了|没事了|扑灭了|已处理|已修复|已解决|已恢复)|"
    r"已经(?:被.{0,6}|有人来?|派人来?|来人)?(?:把.{0,8})?(?:放出来|锯走|拉走|运走|清走|带走|拖走|搬走|移走|加固|固定|(?:拖|挪|搬|移|推)到(?:路边|一边|旁边))|后来(?:停|好|没事|修好|灭)|"
    r"已经(?:把(?:他|她|人|孩子|老人))?(?:带|领|接|送)(?:他|她|人|孩子|老人)?(?:到|去|回)|人都没事|"
    # "后来消防来才开门出来", "后来出来了", "今日已经无事了": the people are out, it is over
    r"后来.{0,10}(?:出来|救出|放出|救下)|已经(?:无事|冇事)"
)
# The message is about the past …
_PAST = re.compile(
    r"上个?月|上上个?月|上周|上星期|上礼拜|前个?礼拜|前个?星期|去年|前年|以前|之前|曾经|那时|当时|上次|前段时间|前阵子|几个月前|"
    r"几年前|小时候|昨天|昨晚|前天|前几天|那天|有一次|(?:坏|漏|塌|困|停|着|发生|出|摔|丢|堵|淹|爆)过"
)
# … unless it says the danger is still there.
_NOW = re.compile(
    r"现在|如今|正在|此刻|目前|眼下|马上|赶紧|立刻|立即|快点|快来|救命|还在|还是|还有|又|一直|仍然|依然|刚刚|刚才|"
    r"这会儿|此时|着急|急死|今天|今晚|今早|突然|刚"
)
# "到现在还没修好" complains about a slow repair; its 现在 does not make the danger present.
_SLOW_REPAIR = re.compile(
    r"(?:到现在|至今|现在)(?:都|也)?(?:还)?(?:没(?:有)?|未)(?:给|修|处理|解决|回复|人管|落实|说法|弄|动|整改)"
)
# … or about something that keeps happening (a complaint, not an emergency).
_HABITUAL = re.compile(
    r"经常|总是|老是|天天|每天|每晚|三天两头|隔三差五|(?<!一)动不动|时不时|每次|常常|多次|好几次"
)
# … or about a near miss: it almost happened, nobody was hurt (差点摔倒, 险些撞上, 幸好没人).
_NEAR_MISS = re.compile(
    r"差点|差一点|险些|幸好|幸亏|好在|还好(?:当时|那会儿?)?(?:没|人没|及时)|虚惊|没出(?:大)?事|没(?:有)?(?:人)?(?:受伤|伤到)|人(?:都)?没(?:啥|什么)?大事|人倒(?:是)?(?:都)?没(?:啥|什么)?(?:大)?事"
)
# An errand: money, papers, deadlines, deliveries — 救命 / 紧急 said of these is a figure of speech.
_ERRAND = re.compile(
    r"工资|薪水|房租|学费|欠款|贷款|社保|补缴|快递|外卖|包裹|材料|证明|证件|手续|补办|办理|到期|"
    r"报名|报到|考试|成绩|分数|网速|信号|话费|账单|退款|预约|挂号|排队|审批|盖章|签字"
    # … or a noise nuisance: "救命啊 楼上又在蹦迪"
    r"|蹦迪|广场舞|扰民|噪音|打麻将|唱卡拉"
    # … or homework: "救命啊 明天要交的卷子还没写"
    r"|作业|卷子|试卷|论文|作文|(?:数学|物理|化学|英语|语文|奥数)题|[这那一]道.{0,4}题"
    # … or tap water that only looks or tastes wrong: "水龙头放出来都是黄的 有铁锈味"
    r"|铁锈|锈水|水垢|沉淀|水质发黄|水发黄"
    # … or clutter in the way: "救命😭 地铁口的共享单车堆成山了"
    r"|共享单车|单车堆|乱停乱放"
    # … or a pet run off: "我家的柯基跑丢了"
    r"|(?:狗|猫|柯基|泰迪|金毛|柴犬|宠物|鹦鹉|兔子)[^，。！？,.!?]{0,4}(?:跑丢|走丢|丢了|跑了|不见了|找不到)"
)
_ALARM_WORDS = re.compile(r"救命|救救|快来人|十万火急|紧急|赶紧|急")
_CLAUSE_SPLIT = re.compile(r"[，。！？,.!?；;、\n~～…]+")


def _cue_is_negated(text: str, start: int) -> bool:
    """Whether a negation stands right before the cue that starts at ``start``."""
    window = text[max(0, start - 6) : start]
    if _NEGATION_PERSON.search(window):
        return True
    window = _FAKE_NEGATION.sub("__", window)
    return any(_NEGATION.search(window[cut:]) for cut in range(len(window)))


def urgent_cues(text: str) -> list[str]:
    """Return the urgency cues in ``text`` that are neither negated nor hypothetical.

    Patterns run over the whole message (some span clauses: 独居老人…，敲门没反应); a match
    counts unless a negation stands right before it or the clause where it starts is
    hypothetical, preventive or about fees and procedures.
    """
    return _cues(re.sub(r"\s+", "", text or ""))[0]


def _cues(t: str) -> tuple[list[str], bool]:
    """The unguarded cues of the whitespace-free ``t``, and whether any cue matched at all
    (:func:`_any_cue`), in one pass over the patterns."""
    found, matched = _cue_matches(t)
    return [m.group(0) for m in found], matched


def _cue_matches(t: str) -> tuple[list[re.Match[str]], bool]:
    """:func:`_cues` with the matches themselves (where each cue stands in ``t``)."""
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(t)]
    found: list[re.Match[str]] = []
    matched = False
    for rx, setting in _URGENT_RE:
        if setting is not None and setting.search(t):
            continue
        for m in rx.finditer(t):
            matched = True
            start = max(b for b in bounds if b <= m.start())
            end = _CLAUSE_SPLIT.search(t, m.start())
            clause = t[start : end.start() if end else len(t)]
            if (
                _HYPOTHETICAL.search(clause)
                or _cue_is_negated(t, m.start())
                or _NEGATION_INSIDE.search(m.group(0))
            ):
                continue
            found.append(m)
            break
    return found, matched


# When a cue's story happened: the time word nearest before it. A past one (昨天晚上…大树倒了,
# 今年六月发大水…冲垮了, 上个月十号夜里肚子疼得打滚) dates the cue to the past; a present one
# (现在, 刚才, 今天) or none leaves it now. Message-wide ``past`` / ``now`` flags cannot tell
# "昨晚树倒了…今天早上已经锯走一半" (a past danger, told today) from "上次的事不说了，现在又漏气".
_PAST_ANCHOR = re.compile(
    r"昨天|昨晚|昨夜|昨日|昨儿|前天|前晚|前几天|前些天|前些日子|前两天|上个?月|上上个?月|上周|"
    r"上个?星期|上个?礼拜|前个?星期|前个?礼拜|去年|前年|当年|旧年|夜来|夜儿个|昨个|琴日|寻日|"
    # a day of this month named with its hour ("本月十二日晚", "12号夜里"); not "12号楼"
    r"(?:本月|这个月|当月)[一二三四五六七八九十\d]{1,3}[日号]|"
    r"[一二三四五六七八九十\d]{1,3}[日号](?=晚|夜|凌晨|清晨|早上|上午|中午|下午|傍晚)|"
    r"那天|那晚|那次|那会儿?|当时|上次|上回|前段时间|前阵子|"
    r"[几两三四五六七八九十半\d]+(?:个)?(?:月|年|天|周|星期|礼拜)(?:以)?前|小时候|早些年|"
    r"(?<![下个这本每])(?:[一二三四五六七八九十]{1,2}|1[0-2]|[1-9])月(?:份|初|中旬|底|里)?(?![后内])"
)
# 早上, 突然 and 又 are not present: "昨天早上…漏气", "去年冬天又冻坏了" stay in the past (a
# danger that comes back now says so: 又漏, 现在又, in _STILL).
_PRESENT_ANCHOR = re.compile(
    r"现在|正在|此刻|目前|眼下|刚才|刚刚|这会儿?|今天|今晚|今早|今儿|今日|这两天|这几天|这阵子|最近"
)
# … and whether the text says it goes on after the cue (还在冒, 越来越大, 到现在还).
_STILL = re.compile(
    r"还在|还住|还躺|还困|还关|还(?:压|挂|吊|卡|横|悬|歪|斜|耷拉)(?:在|着)|仍在|仍然|依然|一直(?!没)|越来越|又(?:开始|来|漏|冒|塌|倒|掉|断)|"
    r"(?<!到)现在(?:还|也|又|正)|还(?:是)?没(?:有)?(?:找到|回来|回家|出来|醒|联系上|退烧)"
)


def _dated_past(t: str, start: int) -> bool:
    """Whether the time word nearest before ``start`` in ``t`` is a past one."""
    prefix = t[:start]
    past = [m.end() for m in _PAST_ANCHOR.finditer(prefix)]
    if not past:
        return False
    present = [m.end() for m in _PRESENT_ANCHOR.finditer(prefix)]
    return max(past) > max(present, default=-1)


def _past_only(t: str, found: list[re.Match[str]]) -> bool:
    """Whether every cue ``found`` in ``t`` is dated to the past and nothing after the last one
    says the danger goes on."""
    if not found or not all(_dated_past(t, m.start()) for m in found):
        return False
    return not _STILL.search(t, max(m.start() for m in found))


def errand_in_alarm(text: str) -> bool:
    """Whether some clause says an alarm word of an errand (紧急…工资, 救命 快递三天没到)."""
    # voice-to-text leaves spaces where the clauses end: "我是外卖小哥 … 井盖翻起来了 … 赶紧派人"
    clauses = _CLAUSE_SPLIT.split(re.sub(r"\s+", "，", text or ""))
    # a clause of alarm words alone ("紧急紧急，学费交不上…") is said of the clause after it
    said_of_next = False
    for clause in clauses:
        alarmed = said_of_next or bool(_ALARM_WORDS.search(clause))
        if _ERRAND.search(clause) and alarmed:
            return True
        said_of_next = bool(clause) and not _ALARM_WORDS.sub("", clause).strip("啊呀吧了 ")
    return False


def _any_cue(t: str) -> bool:
    """Whether any danger cue matches ``t``, before negation and hypothetical guards."""
    return any(
        rx.search(t) and not (setting is not None and setting.search(t))
        for rx, setting in _URGENT_RE
    )


def is_urgent(text: str) -> bool:
    """Whether ``text`` reports a danger to life, health or property happening now."""
    return urgency_evidence(text)["rule"]


# Names of the evidence flags, in a fixed order (the urgency model's rule features).
EVIDENCE = (
    "rule",
    "cue",
    "raw_cue",
    "now",
    "strong_now",
    "past",
    "resolved",
    "habitual",
    "consult",
    "hypothetical",
    "slow_repair",
    "near_miss",
    "errand",
    "cue_past",
)


def urgency_evidence(text: str) -> dict[str, bool]:
    """What the urgency rules see in ``text``: the verdict and the guards behind it.

    ``rule`` is :func:`is_urgent`'s verdict; ``cue`` whether an unguarded danger cue fired;
    ``raw_cue`` whether any cue matched before negation and hypothetical guards; ``now``,
    ``strong_now``, ``past``, ``resolved``, ``habitual``, ``consult``, ``hypothetical``,
    ``slow_repair`` and ``near_miss`` whether those frames occur anywhere in the message;
    ``errand`` whether it is about money, papers or a delivery with no danger cue at all.
    The learned urgency model (:mod:`nlu.urgency`) reads these flags as features next to
    character n-grams.
    """
    t = re.sub(r"\s+", "", text or "")
    matches, raw_cue = _cue_matches(t)
    cue = bool(matches)
    cue_past = _past_only(t, matches)
    # "现在好了", "到现在还没修" say the danger is over or a repair is slow, not that it is now
    said_of_now = _RESOLVED.sub("", _SLOW_REPAIR.sub("", t))
    now = bool(_NOW.search(said_of_now))
    strong_now = bool(_STRONG_NOW.search(said_of_now))
    consult = bool(_CONSULT_FRAME.search(t))
    resolved = bool(_RESOLVED.search(t))
    habitual = bool(_HABITUAL.search(t))
    past = bool(_PAST.search(t))
    near_miss = bool(_NEAR_MISS.search(t))
    errand = bool(_ERRAND.search(t)) and not _any_cue(_ALARM_WORDS.sub("", t))
    rule = cue
    if near_miss and not strong_now:
        rule = False
    if errand:
        rule = False
    if consult and not strong_now:
        rule = False
    if resolved and not re.search(r"还|又|仍|依然|一直", t):
        rule = False
    if habitual and not now:
        rule = False
    if (past and not now) or cue_past:
        rule = False
    return {
        "rule": rule,
        "cue": cue,
        "raw_cue": raw_cue,
        "now": now,
        "strong_now": strong_now,
        "past": past,
        "resolved": resolved,
        "habitual": habitual,
        "consult": consult,
        "hypothetical": bool(_HYPOTHETICAL.search(t)),
        "slow_repair": bool(_SLOW_REPAIR.search(t)),
        "near_miss": near_miss,
        "errand": errand,
        "cue_past": cue_past,
    }


# --------------------------------------------------------------------------------------------
# Request type (诉求类型)
# --------------------------------------------------------------------------------------------

_PRAISE = re.compile(
    r"表扬|点赞|点个赞|赞一个|锦旗|感谢信|值得(?:表扬|学习|称赞)|好评|(?:服务|态度)(?:真|很|非常|特别|太|超)?(?:好|热情|周到|耐心|棒)|"
    r"(?:非常|特别|十分|真心|由衷|衷心)?感谢.{0,12}(?:师傅|工作人员|同志|民警|警官|医生|护士|老师|司机|城管|队员|社区|物业|小伙子|姑娘|热心|帮助|及时|辛苦)|"
    r"为.{0,8}(?:点赞|竖起大拇指)|辛苦了|负责任|尽职尽责|拾金不昧|热心肠|真棒|太棒了|👍"
)
_SUGGEST = re.compile(
    r"建议|提议|提个?(?:意见|建议)|希望(?:能|可以|政府|有关部门|相关部门|你们)?.{0,10}(?:增加|增设|加装|安装|开通|设置|多设|多开|延长|调整|改善|考虑|规划|建|修建|设立|出台|加大|加密|优化|恢复)|"
    r"能不能(?:增加|增设|多设|多开|开通|加装|设置|延长|调整|优化|考虑)|可不可以(?:增加|增设|开通|加装|设置|延长)|"
    r"最好(?:能|可以)?(?:增加|增设|设置|安装|开通)|应该(?:增加|增设|多设|加装|设置)|呼吁"
)
_REPORT = re.compile(
    r"举报|检举|揭发|偷排|偷倒|乱倒|私排|直排|偷偷|违法|非法|违规|无证|黑作坊|黑诊所|黑车|造假|假冒|山寨|售假|卖假|掺假|"
    r"诈骗|骗子|赌博|传销|涉黄|吸毒|私自|擅自|偷(?:砍|伐|挖|电|捕)|电鱼|偷鱼|病死猪|过期.{0,4}(?:食品|药|卖)"
)
_COMPLAIN = re.compile(
    r"投诉|态度(?:很|非常|特别|太|极其|及其)?(?:差|恶劣|不好|蛮横|冷漠)|服务(?:太|很|特别)?差|太吵|吵得|吵死|扰民|乱收费|多收|拒载|绕路|宰客|"
    r"没人管|不管不问|不作为|推诿|踢皮球|敷衍|不处理|不解决|一直不|迟迟不|拖着不|拖了|受不了|严重影响|凭什么|不给退|不退|拒绝退|"
    r"太过分|气死|欺负|骂人|刁难|不合理|强制|霸王条款|黑心|坑人|差评|不满|反映多次|多次反映|没有(?:任何)?回复|没人(?:理|回)"
)
_HELP = re.compile(
    r"求助|求求|帮帮|帮(?:我|忙|个忙)|救命|麻烦(?:你们)?(?:派|来|帮|尽快|赶紧|安排)|派人|来修|快来|尽快(?:处理|解决|修|来|安排)|"
    r"维修|抢修|修一下|修修|停水|停电|没水|没电|不热|困难|救助|困住|被困|走丢|不见了|找不到"
)
_CONSULT = re.compile(
    r"咨询|请问|问一下|问下|想问|想了解|了解一下|打听|怎么(?:办理|申请|办|交|缴|报|领|查|弄|算|认定|登记|备案|开|续|转|补|预约|报名)|"
    r"如何|需要(?:什么|哪些|带|准备|啥)|要(?:什么|哪些|带|准备)(?:材料|手续|证件)|什么材料|哪些材料|流程|手续|条件|政策|标准是|"
    r"在哪(?:里|儿)?(?:办|申请|交|缴|领|报|登记|查)|去哪(?:里|儿)?(?:办|申请|交|领|报|登记)|多久|多长时间|什么时候(?:能|可以|开始|发|到账)|"
    r"能不能(?:申请|办|领|报|享受|转|补)|可以(?:申请|办|领|报|享受|转|补).{0,8}吗|是否|有没有.{0,10}(?:政策|补贴|规定)|多少钱|收费标准|怎么收费|"
    r"吗[？?]?$|呢[？?]?$|[？?]$"
)


def request_type(text: str, default: str | None, dispatch: bool = True) -> str | None:
    """Return the 诉求类型 of ``text``.

    ``default`` is the category's usual type from the catalogue; ``dispatch`` is False for
    messages that are not dispatched (chit-chat, status questions …), which have no type.
    Explicit wording wins over the default: praise, then suggestion, then report of
    wrongdoing, then complaint; a plain question turns a 求助/投诉 default into 咨询 only when
    it asks about procedure or policy.
    """
    if not dispatch:
        return None
    t = re.sub(r"\s+", "", text or "")
    if _PRAISE.search(t) and not re.search(r"投诉|态度差|举报", t):
        return "表扬"
    if _SUGGEST.search(t):
        return "建议"
    if re.search(r"举报|检举|揭发", t):
        return "举报"
    if re.search(r"投诉", t):
        return "投诉"
    if re.search(r"求助", t):
        return "求助"
    if re.search(r"咨询", t):
        return "咨询"
    if default == "举报":
        if _COMPLAIN.search(t) and not _REPORT.search(t):
            return "投诉"
        return "举报"
    if _REPORT.search(t) and default in ("投诉", None):
        return "举报"
    if _COMPLAIN.search(t) and default in ("咨询", "求助", None):
        return "投诉"
    if default in ("求助", None) and _CONSULT.search(t) and not _HELP.search(t):
        return "咨询"
    return default or "求助"


def type_scores(text: str) -> dict[str, bool]:
    """Which cue families fire for ``text`` (for debugging and tests)."""
    t = re.sub(r"\s+", "", text or "")
    return {
        "表扬": bool(_PRAISE.search(t)),
        "建议": bool(_SUGGEST.search(t)),
        "举报": bool(_REPORT.search(t)),
        "投诉": bool(_COMPLAIN.search(t)),
        "求助": bool(_HELP.search(t)),
        "咨询": bool(_CONSULT.search(t)),
    }


def first_match(patterns: Iterable[re.Pattern[str]], text: str) -> str | None:
    """Return the first match of any pattern in ``text`` (helper for callers)."""
    for rx in patterns:
        m = rx.search(text)
        if m:
            return m.group(0)
    return None
