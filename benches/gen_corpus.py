#!/usr/bin/env python3
"""Deterministic corpus generator for casebook benchmarks.

    benches/gen_corpus.py N OUTDIR [--hugo HUGODIR]

Writes a casebook site folder (casebook.toml + content/cases/NNNNNN.md) with N synthetic
Chinese cases shaped like the real collection: 1,500-3,000 characters in three sections
(背景情况 / 主要做法 / 取得成效) with numbered measures, a fenced code block in ~1 in 10
cases, a Markdown table in ~1 in 5, 1-4 metrics (before/after and single values), 2-4 tags
from a pool of 40, 12 regions, 15 departments. Case i depends only on i (its own seeded RNG),
so case i is the same whatever N is. With --hugo, also writes an equivalent Hugo site
(taxonomies tags/regions/departments, minimal layouts) from the same cases.
"""
import os
import random
import sys

REGIONS = ["福州市", "厦门市", "漳州市", "泉州市", "三明市", "莆田市", "南平市", "龙岩市",
           "宁德市", "平潭综合实验区", "晋江市", "福建省"]
DEPARTMENTS = ["市场监督管理局", "税务局", "自然资源局", "住房和城乡建设局", "行政审批局",
               "人力资源和社会保障局", "发展和改革委员会", "公安局", "交通运输局", "生态环境局",
               "农业农村局", "工业和信息化局", "数字办", "中级人民法院", "人民政府"]
TAGS = ["一窗受理", "不动产登记", "融资服务", "信用体系", "区块链", "税务服务", "政务服务",
        "市场监管", "知识产权", "数字化", "部门协同", "精简材料", "审批改革", "降本减负",
        "法治保障", "惠企政策", "跨域通办", "电子证照", "工程建设", "中小企业", "农业农村",
        "劳动用工", "公平竞争", "水电气网", "一件事", "司法改革", "营商体验", "企业合规",
        "免申即办", "告知承诺", "容缺受理", "并联审批", "帮代办", "诉源治理", "数据共享",
        "信用修复", "首贷续贷", "普惠金融", "园区服务", "外资外贸"]
SUBJECTS = ["企业开办", "工程建设项目审批", "不动产登记", "水电气报装", "纳税申报", "跨境贸易",
            "获得信贷", "政府采购", "招标投标", "知识产权保护", "劳动力市场监管", "执行合同",
            "办理破产", "市场准入", "惠企政策兑现", "涉企执法"]
VERBS = ["推行", "创新", "打造", "深化", "实施", "探索", "建立", "完善"]
MECHANISMS = ["“一件事一次办”", "全流程网上办", "“免证办”", "并联审批机制", "信用承诺制",
              "“一窗通办”", "数据共享平台", "区块链存证", "容缺受理机制", "帮办代办服务"]
CLAUSES = ["坚持问题导向和目标导向", "聚焦企业和群众办事的堵点难点痛点", "整合部门资源和数据",
           "优化业务流程和办事环节", "推动线上线下深度融合", "压减办理时限和申请材料",
           "建立跨部门协同工作机制", "强化事中事后监管", "畅通企业诉求反映渠道",
           "推进电子证照和电子印章应用", "完善考核评价和督查机制", "加强政策宣传和业务培训",
           "依托一体化政务服务平台", "实行清单化管理和动态调整", "探索包容审慎监管方式"]
RESULTS = ["企业获得感和满意度明显提升", "办事效率大幅提高", "制度性交易成本有效降低",
           "市场主体活力进一步激发", "形成了可复制可推广的经验做法", "群众办事更加便捷高效"]
DURATION_UNITS = ["工作日", "天", "小时", "分钟"]
COUNT_METRICS = [("受益企业", "家"), ("办理业务", "件"), ("服务群众", "人次"), ("发放贷款", "亿元"),
                 ("惠及市场主体", "万户"), ("减免费用", "万元"), ("上线事项", "个")]
CHANGE_METRICS = [("办理时长", None), ("申请材料", "份"), ("跑动次数", "次"), ("审批环节", "个")]


def sentence(rng, n=3):
    parts = rng.sample(CLAUSES, n)
    return ",".join(parts) + "," + rng.choice(RESULTS) + "。"


def paragraph(rng, min_chars):
    text = ""
    while len(text) < min_chars:
        text += sentence(rng, rng.randint(2, 4))
    return text


def metrics(rng):
    out = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.5:
            name, unit = rng.choice(CHANGE_METRICS)
            unit = unit or rng.choice(DURATION_UNITS)
            before = rng.randint(5, 60)
            after = round(before * rng.uniform(0.05, 0.7), 1)
            out.append({"name": name, "before": before, "after": after, "unit": unit, "better": "lower"})
        else:
            name, unit = rng.choice(COUNT_METRICS)
            value = rng.randint(2, 5000) if unit not in ("亿元", "万户") else round(rng.uniform(0.5, 500), 2)
            out.append({"name": name, "value": value, "unit": unit})
    seen, unique = set(), []
    for m in out:
        if m["name"] not in seen:
            seen.add(m["name"])
            unique.append(m)
    return unique


def fmt(n):
    return str(int(n)) if float(n).is_integer() else repr(n)


def case(i):
    """Everything about case i, from its own RNG."""
    rng = random.Random(i * 7919 + 17)
    region = rng.choice(REGIONS)
    dept = region + rng.choice(DEPARTMENTS) if region != "福建省" else "福建省" + rng.choice(DEPARTMENTS)
    title = f"{region}{rng.choice(VERBS)}{rng.choice(MECHANISMS)}提升{rng.choice(SUBJECTS)}便利度(第{i}号)"
    tags = rng.sample(TAGS, rng.randint(2, 4))
    target = rng.randint(1400, 2600)  # paragraphs overshoot their minimum: bodies land in 1,500-3,000 characters
    background = paragraph(rng, target // 4)
    measures = []
    count = rng.randint(3, 5)
    for k in range(1, count + 1):
        lead = f"{rng.choice(VERBS)}{rng.choice(MECHANISMS)}。"
        measures.append(f"{k}. **{lead}** {paragraph(rng, target // (2 * count))}")
    ms = metrics(rng)
    body = [f"## 一、背景情况\n\n{background}\n", "## 二、主要做法\n", "\n\n".join(measures) + "\n"]
    if rng.random() < 0.2:
        body.append("| 指标 | 改革前 | 改革后 |\n|---|---:|---:|\n" + "".join(
            f"| {m['name']} | {fmt(m.get('before', m.get('value')))} | {fmt(m.get('after', m.get('value')))} |\n" for m in ms))
    if rng.random() < 0.1:
        body.append("```json\n{\"事项\": \"" + rng.choice(SUBJECTS) + "\", \"时限\": " + str(rng.randint(1, 20)) + "}\n```\n")
    results = paragraph(rng, target // 4)
    body.append(f"## 三、取得成效\n\n{results}\n")
    return {"id": i, "title": title, "region": region, "department": dept, "tags": tags,
            "date": f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "metrics": ms,
            "body": "\n".join(body)}


def casebook_file(c):
    lines = ["---", f"id: {c['id']}", f"title: \"{c['title']}\"", f"region: {c['region']}",
             f"department: {c['department']}", f"date: {c['date']}",
             "tags: [" + ", ".join(c["tags"]) + "]", "metrics:"]
    for m in c["metrics"]:
        lines.append(f"  - name: {m['name']}")
        for key in ("value", "before", "after"):
            if key in m:
                lines.append(f"    {key}: {fmt(m[key])}")
        lines.append(f"    unit: \"{m['unit']}\"")
        if "better" in m:
            lines.append(f"    better: {m['better']}")
    lines += ["---", "", c["body"]]
    return "\n".join(lines)


def hugo_file(c):
    lines = ["---", f"title: \"{c['title']}\"", f"date: {c['date']}", "tags: [" + ", ".join(c["tags"]) + "]",
             f"regions: [{c['region']}]", f"departments: [{c['department']}]", "---", "", c["body"]]
    return "\n".join(lines)


HUGO_CONFIG = """baseURL = "http://example.org/"
languageCode = "zh-cn"
title = "casebook bench"
disableKinds = ["RSS"]
[taxonomies]
tag = "tags"
region = "regions"
department = "departments"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "_default/single.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><p>{{ range .Params.tags }}<a href=\"{{ \"tags/\" | relURL }}{{ . | urlize }}/\">{{ . }}</a> {{ end }}</p>{{ .Content }}{{ end }}\n",
    "_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
    "_default/terms.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}\n",
    "index.html": "{{ define \"main\" }}<h1>{{ .Site.Title }}</h1><ul>{{ range .Site.RegularPages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip())
        return 0 if len(argv) == 1 else 2
    n, out = int(argv[1]), argv[2]
    hugo = argv[argv.index("--hugo") + 1] if "--hugo" in argv else None
    write(os.path.join(out, "casebook.toml"),
          f'title = "生成的案例集({n})"\ndescription = "benchmark corpus"\nlanguage = "zh-CN"\n')
    write(os.path.join(out, "content/_index.md"), "---\ntitle: 生成的案例集\n---\n\n用于性能测试的生成案例。\n")
    if hugo:
        write(os.path.join(hugo, "hugo.toml"), HUGO_CONFIG)
        for name, text in HUGO_LAYOUTS.items():
            write(os.path.join(hugo, "layouts", name), text)
    for i in range(1, n + 1):
        c = case(i)
        write(os.path.join(out, "content/cases", f"{i:06d}.md"), casebook_file(c))
        if hugo:
            write(os.path.join(hugo, "content/cases", f"{i:06d}.md"), hugo_file(c))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
