//! Which way a metric improves, inferred from its name and unit when the author did not say.
//!
//! Readers see a change as an improvement (green, ✓) or a setback (red, ✗) only where the
//! direction is known; a wrong guess is worse than none, so every rule here is narrow and an
//! unknown metric stays unknown. All rules live in [`infer_better`], in this order (the first
//! that applies wins):
//!
//! 1. `better: lower|higher` in front matter.
//! 2. A rank (`排名`, `名次`): lower is better — first place is 1.
//! 3. The name says the figure *is* a reduction or saving (`审查审批时间压缩 68 工作日`,
//!    `全流程办理时间缩短 50 日`, `竞买人少跑次数 5 次`, `压缩比例 50 %`): higher is better,
//!    whatever the unit, since a bigger cut is the better result. Not when the word is followed
//!    by 至/到/为 (`压缩至 3 天` gives the resulting time, not the cut).
//! 4. The name says it is a difference (`差额`, `差距`): unknown; a spread has no good side.
//! 5. Durations (`工作日`, `天`, `小时`, …): lower is better.
//! 6. Trips (`次`, `趟`): lower is better — fewer visits to an office. (`人次`, `家次` are
//!    counts of people or firms served, rule 9.)
//! 7. Percentages are ambiguous (`占比` is a share, neither good nor bad): higher is better
//!    only for a rate of something good (`好评率`, `网办率`, `满意度`), lower for a rate of
//!    something bad (`投诉率`, `逾期率`) or a cost (`利率`, `成本`); otherwise unknown.
//! 8. Money: lower is better when the name says it is a cost, fee or price (`成本`, `费用`,
//!    `报价`); higher when it is relief or finance delivered (`退税`, `授信`, `贴息`,
//!    `清偿`); otherwise unknown (`排查资金`, `涉及金额`).
//! 9. Counts: documents to hand in (`材料`, `证明` counted in `份`, `件`, …) are lower is
//!    better; people, firms or matters served (`人次`, `户`, or a name with `服务`, `受益`,
//!    `办理`, `通办`, …) are higher is better; other counts (`试点派出所 27 个`) unknown.

use super::units::{Unit, UnitKind};
use crate::content::case::Better;

/// Whether the written `better` or an inferred rule decided a metric's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BetterSource {
    FrontMatter,
    Inferred,
}

const RANK: &[&str] = &["排名", "名次", "排行", "位次", "rank"];
const REDUCTION: &[&str] = &[
    "压缩",
    "缩短",
    "减少",
    "节省",
    "节约",
    "降低",
    "下降",
    "减免",
    "减轻",
    "少跑",
    "提速",
    "精简",
    "削减",
    "reduction",
    "saved",
    "saving",
    "shortened",
    "fewer",
];
const DIFFERENCE: &[&str] = &["差额", "差距", "difference", "spread"];
const GOOD_RATE: &[&str] = &[
    "好评",
    "满意",
    "可办",
    "网办",
    "办结",
    "覆盖",
    "通过",
    "达标",
    "准确",
    "及时",
    "到位",
    "完成",
    "satisfaction",
    "coverage",
    "online",
];
const BAD_RATE: &[&str] = &[
    "差评",
    "投诉",
    "退件",
    "退回",
    "错误",
    "差错",
    "逾期",
    "超期",
    "不良",
    "失败",
    "complaint",
    "error",
    "overdue",
];
const COST: &[&str] = &[
    "成本", "费用", "收费", "报价", "价格", "价款", "支出", "花费", "开支", "负担", "利率", "cost",
    "fee", "price",
];
const RELIEF: &[&str] = &[
    "退税", "授信", "贷款", "融资", "贴息", "补贴", "奖补", "奖励", "清偿", "兑现", "减税", "降费",
    "refund", "loan", "credit", "subsid",
];
const DOCUMENTS: &[&str] = &["材料", "证明", "证照", "表格", "要件", "document"];
const SERVED: &[&str] = &[
    "服务", "受益", "惠及", "帮扶", "办理", "可办", "通办", "网办", "入驻", "进驻", "接待", "解答",
    "覆盖", "对接", "served", "benefit",
];

/// The direction of a metric and where it came from; `None` when no rule is sure.
pub fn infer_better(
    name: &str,
    unit: &Unit,
    explicit: Option<Better>,
) -> Option<(Better, BetterSource)> {
    if let Some(better) = explicit {
        return Some((better, BetterSource::FrontMatter));
    }
    rule(&name.to_lowercase(), unit).map(|b| (b, BetterSource::Inferred))
}

fn rule(name: &str, unit: &Unit) -> Option<Better> {
    let says = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if says(RANK) {
        return Some(Better::Lower);
    }
    if says_reduction(name) {
        return Some(Better::Higher);
    }
    if says(DIFFERENCE) {
        return None;
    }
    match unit.kind {
        UnitKind::Duration => Some(Better::Lower),
        UnitKind::Trips => Some(Better::Lower),
        UnitKind::Percent if says(BAD_RATE) || says(COST) => Some(Better::Lower),
        UnitKind::Percent if says(GOOD_RATE) => Some(Better::Higher),
        UnitKind::Money if says(COST) => Some(Better::Lower),
        UnitKind::Money if says(RELIEF) => Some(Better::Higher),
        UnitKind::Count if says(DOCUMENTS) => Some(Better::Lower),
        UnitKind::Count if served_unit(&unit.base) || says(SERVED) => Some(Better::Higher),
        _ => None,
    }
}

/// A reduction word that names the cut itself, not the result (`压缩至`).
fn says_reduction(name: &str) -> bool {
    REDUCTION.iter().any(|word| {
        name.match_indices(word).any(|(at, _)| {
            let next = name[at + word.len()..].chars().next();
            !matches!(next, Some('至' | '到' | '为'))
        })
    })
}

/// Units that count people or firms served.
fn served_unit(base: &str) -> bool {
    matches!(base, "人次" | "户" | "户次" | "家次")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::metrics::units::parse_unit;

    fn infer(name: &str, unit: &str) -> Option<Better> {
        infer_better(name, &parse_unit(unit), None).map(|(b, _)| b)
    }

    use Better::{Higher, Lower};

    #[test]
    fn explicit_direction_wins() {
        let got = infer_better("办理时长", &parse_unit("工作日"), Some(Higher));
        assert_eq!(got, Some((Higher, BetterSource::FrontMatter)));
        let got = infer_better("办理时长", &parse_unit("工作日"), None);
        assert_eq!(got, Some((Lower, BetterSource::Inferred)));
    }

    #[test]
    fn durations_trips_and_documents_are_lower_is_better() {
        assert_eq!(infer("林权抵押登记时间", "工作日"), Some(Lower));
        assert_eq!(infer("短距离接入工程办理时长", "工作日"), Some(Lower));
        assert_eq!(infer("二手房交易登记原办理耗时", "天"), Some(Lower));
        assert_eq!(infer("惠企政策兑现服务圈", "分钟"), Some(Lower));
        assert_eq!(infer("白茶领军企业政策兑现跑动次数", "趟"), Some(Lower));
        assert_eq!(infer("企业开办跑动", "次"), Some(Lower));
        assert_eq!(infer("申请材料", "份"), Some(Lower));
    }

    #[test]
    fn a_figure_that_is_a_cut_is_higher_is_better() {
        assert_eq!(infer("审查审批时间压缩", "工作日"), Some(Higher));
        assert_eq!(infer("全流程办理时间缩短", "日"), Some(Higher));
        assert_eq!(infer("竞买人少跑次数", "次"), Some(Higher));
        assert_eq!(infer("平均每件申请减少材料", "份"), Some(Higher));
        assert_eq!(infer("全省降低企业成本", "亿元"), Some(Higher));
        assert_eq!(infer("企业客户办理流程手续时间压缩比例", "%"), Some(Higher));
        assert_eq!(infer("开办时间压缩至", "天"), Some(Lower), "至: the result");
    }

    #[test]
    fn percentages_need_the_name_to_say() {
        assert_eq!(infer("好评率", "%"), Some(Higher));
        assert_eq!(infer("审批服务事项网上可办率", "%"), Some(Higher));
        assert_eq!(infer("投诉率", "%"), Some(Lower));
        assert_eq!(infer("贷款利率", "%"), Some(Lower));
        assert_eq!(infer("小微企业退税金额占比", "%"), None);
        assert_eq!(infer("小微企业户数占比", "%"), None);
    }

    #[test]
    fn money_is_a_cost_or_relief_only_when_named() {
        assert_eq!(infer("参与机构最高报价(汇总)", "万元"), Some(Lower));
        assert_eq!(infer("留抵退税款", "亿元"), Some(Higher));
        assert_eq!(
            infer("龙岩“知创型”中小微企业专项集中授信额度", "亿元"),
            Some(Higher)
        );
        assert_eq!(infer("已清偿无分歧欠款", "万元"), Some(Higher));
        assert_eq!(infer("乡村振兴领域排查资金", "亿元"), None);
        assert_eq!(infer("拖欠线索涉及金额", "亿元"), None);
        assert_eq!(infer("最高与最低报价差额", "万元"), None, "a spread");
    }

    #[test]
    fn counts_served_are_higher_is_better() {
        assert_eq!(infer("调剂用工", "人次"), Some(Higher));
        assert_eq!(infer("退税纳税人", "万户"), Some(Higher));
        assert_eq!(infer("合规体检服务企业", "家"), Some(Higher));
        assert_eq!(infer("接待纳税人", "万人"), Some(Higher));
        assert_eq!(infer("试点派出所办理新增业务", "笔"), Some(Higher));
        assert_eq!(infer("试点派出所", "个"), None);
        assert_eq!(infer("省检察院制定规范性文件", "份"), None);
        assert_eq!(infer("涉及生态保护红线的项目", "个"), None);
        assert_eq!(infer("全省线下政务服务水平评价县域排名", "名"), Some(Lower));
    }

    /// Every `better` the authors of the real collection wrote agrees with the rules, where
    /// the rules have an opinion: inference never contradicts a person.
    #[test]
    fn inference_agrees_with_the_real_collection() {
        use crate::content::case::FrontMatter;
        use crate::content::front_matter;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content/cases");
        let mut checked = 0;
        let mut agreed = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let split = front_matter::split(&text).unwrap();
            let front: FrontMatter = front_matter::parse(split.yaml, split.yaml_line).unwrap();
            for metric in front.metrics {
                let m = metric.value;
                let Some(written) = m.better else { continue };
                checked += 1;
                if let Some(inferred) = infer(&m.name, &m.unit) {
                    assert_eq!(inferred, written, "{} ({})", m.name, m.unit);
                    agreed += 1;
                }
            }
        }
        assert!(checked >= 50, "the collection marks {checked} metrics");
        assert!(
            agreed * 10 >= checked * 7,
            "rules cover {agreed} of {checked}"
        );
    }
}
