//! Real-data check on the smallest AIT-ADS network: loading, phase counting and conservation.

use vigil_core::ParamGuard;
use vigil_eval::aitads::load_network;
use vigil_eval::replay::{Discipline, QueueSummary, ReplayParams, replay};

#[test]
fn russellmitchell_has_seven_phases_and_fifo_conserves() {
    let Some(d) = vigil_io::datasets::root() else {
        println!("skipping: datasets folder not found (set VIGIL_DATASETS)");
        return;
    };
    let path = d.join("ait-ads/russellmitchell_alerts.csv.gz");
    if !path.exists() {
        println!("skipping: {} not found", path.display());
        return;
    }
    let alerts = load_network(&path).unwrap();
    assert_eq!(alerts.len(), 45_544);
    assert!(alerts.windows(2).all(|w| w[0].time <= w[1].time));
    let cfg = ReplayParams::new(Discipline::Fifo).check().unwrap();
    let s = QueueSummary::new(&alerts, &replay(&cfg, &alerts, None).unwrap());
    // service_scans, dirb, wpscan, webshell, cracking, privilege_escalation, service_stop.
    assert_eq!(s.phases_total, 7);
    assert_eq!(s.reviewed + s.never_reviewed, s.alerts);
    // One analyst at 3 minutes cannot keep up with ~475 alerts an hour.
    assert!(s.unaddressed_share > 0.9, "{}", s.unaddressed_share);
}

#[test]
fn a_bad_record_stops_the_load_naming_its_file_and_line_once() {
    let path = std::env::temp_dir().join(format!("vigil-eval-bad-{}.csv", std::process::id()));
    let text = "time,name,ip,host,short,time_label,event_label\n\
                1642213952,Wazuh: a,1.1.1.1,mail,W,false_positive,-\n\
                1642213953,Wazuh: b,1.1.1.1\n";
    std::fs::write(&path, text).unwrap();
    let err = load_network(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let vigil_eval::EvalError::Record(e) = &err else {
        panic!("expected a record error, got {err}");
    };
    assert_eq!((e.record, e.line), (2, 3), "{err}");
    let shown = err.to_string();
    let name = path.display().to_string();
    assert_eq!(shown.matches(&name).count(), 1, "{shown}");
}
