//! `casebook import` on the real collection it was written for: the 2022 Fujian business
//! environment cases (23 cases, case 17's title ends with a stray `?`, case 23 is cut off).

use std::fs;
use std::path::{Path, PathBuf};

use casebook::config::ImportConfig;
use casebook::import::{run, split, ImportOptions};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/fujian-2022.txt"
);

/// The case titles as `grep -n '案例' fujian-2022.txt` lists them, without case 17's `?`.
const TITLES: [&str; 23] = [
    "省检察院坚持“三个结合”推进涉案企业合规改革",
    "省公安厅探索试点派出所“一站式”综合服务窗口",
    "省交通运输厅推出“信用+科技+普惠金融”助力厦门港发展",
    "省水利厅“四个统一”简化省级水工程建设规划审核",
    "省农业农村厅实行农机补贴产品资质条件市场化改革",
    "省市场监管局创新知识产权金融服务",
    "省税务局创新推出“税悦工作室”暖心细作提升办税质效",
    "福州市打造“共享营业厅”实现“水电气网”一窗联办",
    "厦门市营商环境体验活动常态化助力营商环境优化提升",
    "漳州市“线上线下”齐发力做优做实用工服务新模式",
    "泉州市试行市场监管领域许可(备案)简单变更事项“免申即办”",
    "三明市建设“职工法律服务一体化基地”创新“园区枫桥”治理",
    "莆田市以立法推进城市道路挖掘管理改革",
    "南平市创新司法鉴定询价竞争机制",
    "龙岩市推进不动产交易登记和抵押登记便利化改革",
    "宁德市创新农村生产要素融资机制改善融资环境",
    "平潭综合实验区推行涉案房产“e拍即得”协同执行机制",
    "晋江市推行“免证办”打造更快更好办成事的“晋江窗”",
    "福鼎市“四个一”创新机制优化惠企政策服务",
    "武平县打造林业金融区块链融资服务平台",
    "福建省网上办事大厅上线留抵退税服务专区",
    "省工信厅着力清欠 降低企业负担",
    "省生态环境厅实施“一个窗口对外”提升环评服务",
];

fn known() -> ImportConfig {
    let mut known = ImportConfig {
        regions: vec!["福州市".to_string(), "厦门市".to_string()],
        ..ImportConfig::default()
    };
    known.units.insert(
        "省税务局".to_string(),
        ("福建省".to_string(), "国家税务总局福建省税务局".to_string()),
    );
    known
}

fn options(out: &Path, force: bool) -> ImportOptions {
    ImportOptions {
        source: PathBuf::from(FIXTURE),
        out_dir: out.join("content/cases"),
        intro_out: Some(out.join("content/_index.md")),
        pattern: None,
        force,
        known: known(),
    }
}

/// The YAML between the `---` fences of a written page.
fn front_matter(file: &str) -> serde_json::Value {
    let rest = file
        .strip_prefix("---\n")
        .expect("page starts with front matter");
    let (yaml, _) = rest.split_once("\n---\n").expect("front matter is closed");
    serde_saphyr::from_str(yaml).expect("front matter is valid YAML")
}

fn case_files(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(out.join("content/cases"))
        .expect("cases folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn split_finds_all_23_cases_and_the_intro() {
    let text = fs::read_to_string(FIXTURE).expect("fixture is readable");
    let collection = split(&text, None).expect("fixture splits");
    let ids: Vec<u32> = collection.cases.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=23).collect::<Vec<u32>>());
    let titles: Vec<&str> = collection.cases.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, TITLES);
    assert!(
        collection.intro.contains("便利福建"),
        "{}",
        collection.intro
    );
    let noted: Vec<u32> = collection
        .cases
        .iter()
        .filter(|c| c.title_note.is_some())
        .map(|c| c.id)
        .collect();
    assert_eq!(noted, [17]);
    let last = collection.cases.last().expect("case 23");
    assert!(last.body.contains("## 二、主要做法"), "{}", last.body);
    assert!(
        last.body.trim_end().ends_with("与各地政府、各行业"),
        "{}",
        last.body
    );
}

#[test]
fn split_turns_structure_into_markdown() {
    let text = fs::read_to_string(FIXTURE).expect("fixture is readable");
    let collection = split(&text, None).expect("fixture splits");
    for case in &collection.cases {
        assert!(
            case.body.starts_with("## 一、背景情况\n"),
            "case {}: {}",
            case.id,
            case.body
        );
        assert!(
            case.body
                .lines()
                .all(|l| !l.starts_with(char::is_whitespace)),
            "case {}",
            case.id
        );
    }
    let seven = &collection.cases[6].body;
    assert!(
        seven.contains("\n### (一)科学管理“零缺位”\n\n一是建机制。"),
        "{seven}"
    );
    let one = &collection.cases[0].body;
    assert!(
        one.contains("\n1. **坚持“检察机关主导”与“职能部门联动”相结合的推进格局。** 全省"),
        "{one}"
    );
    assert!(collection.cases[8].body.contains("\n## 三、工作成效\n"));
    assert!(collection.cases[21].body.contains("共排查4.98万个项目"));
}

#[test]
fn run_writes_every_case_once_and_only_overwrites_with_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path();

    let first = run(&options(out, false)).expect("import succeeds");
    assert_eq!(first.written.len(), 24, "23 cases and the introduction");
    assert!(first.skipped.is_empty());
    let files = case_files(out);
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let expected: Vec<String> = (1..=23).map(|id| format!("{id:03}.md")).collect();
    assert_eq!(names, expected);

    for (file, title) in files.iter().zip(TITLES) {
        let text = fs::read_to_string(file).expect("case file is readable");
        let yaml = front_matter(&text);
        assert_eq!(yaml["title"], title, "{}", file.display());
        assert_eq!(yaml["tags"], serde_json::json!([]));
    }
    let seventeen = fs::read_to_string(out.join("content/cases/017.md")).expect("017.md");
    let yaml = front_matter(&seventeen);
    assert_eq!(yaml["id"], 17);
    assert_eq!(
        yaml["title"],
        "平潭综合实验区推行涉案房产“e拍即得”协同执行机制"
    );
    assert_eq!(yaml["region"], "FIXME");
    let seven = front_matter(&fs::read_to_string(out.join("content/cases/007.md")).expect("007"));
    assert_eq!(seven["department"], "国家税务总局福建省税务局");
    let eight = front_matter(&fs::read_to_string(out.join("content/cases/008.md")).expect("008"));
    assert_eq!(
        (&eight["region"], &eight["department"]),
        (&"福州市".into(), &"FIXME".into())
    );

    let intro = fs::read_to_string(out.join("content/_index.md")).expect("intro page");
    let yaml = front_matter(&intro);
    assert_eq!(yaml, serde_json::json!({ "title": "fujian-2022" }));
    assert!(intro.contains("便利福建"));

    let lines = first.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("017.md: cleaned title (removed trailing \"?\")")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("023.md: the text ends mid-sentence; the source may be cut off")),
        "{lines:#?}"
    );

    fs::write(out.join("content/cases/001.md"), "edited by hand").expect("edit");
    let second = run(&options(out, false)).expect("second import succeeds");
    assert!(second.written.is_empty(), "{:?}", second.written);
    assert_eq!(second.skipped.len(), 24);
    assert_eq!(
        fs::read_to_string(out.join("content/cases/001.md")).expect("001"),
        "edited by hand"
    );

    let forced = run(&options(out, true)).expect("forced import succeeds");
    assert_eq!(forced.written.len(), 24);
    assert!(forced.skipped.is_empty());
    let one = fs::read_to_string(out.join("content/cases/001.md")).expect("001");
    assert!(one.starts_with("---\nid: 1\n"), "{one}");
}
