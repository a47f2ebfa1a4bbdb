//! The two sbatch scripts of a submission: the job array of `runvar worker` tasks, one per
//! unit, and the report job that runs after it. Both are plain files a user can read, edit and
//! submit by hand; every resource is an `#SBATCH` line, so the script alone says what was asked.

use std::fmt::Write as _;
use std::path::Path;

use crate::args::slurm::SlurmFlags;

/// What the scripts of one submission are made from.
pub struct Job<'a> {
    /// The job name (`runvar-<study folder>`).
    pub name: String,
    /// The study directory, absolute.
    pub dir: &'a Path,
    /// The `runvar` binary the tasks run, absolute (on the shared filesystem).
    pub binary: &'a Path,
    /// The units to train, ascending: the array's task ids.
    pub units: &'a [usize],
    /// The resources asked for.
    pub flags: &'a SlurmFlags,
    /// CPUs per array task.
    pub cpus_per_task: usize,
    /// The folder of the jobs' output files, absolute.
    pub logs: &'a Path,
    /// When the scripts were written (UTC, `YYYYMMDD-HHMMSS`).
    pub stamp: &'a str,
}

/// The `--array` value for `units` (ascending): runs of consecutive ids as ranges
/// (`0-7,9,12-13`), then `%L` when at most `limit` tasks may run at once.
pub fn array_spec(units: &[usize], limit: Option<usize>) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < units.len() {
        let mut j = i;
        while j + 1 < units.len() && units[j + 1] == units[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if j == i {
            let _ = write!(out, "{}", units[i]);
        } else {
            let _ = write!(out, "{}-{}", units[i], units[j]);
        }
        i = j + 1;
    }
    if let Some(l) = limit {
        let _ = write!(out, "%{l}");
    }
    out
}

/// `s` quoted for a POSIX shell: in single quotes, each `'` written as `'\''`.
pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Why `path` cannot be written into an `#SBATCH` line (sbatch splits those lines at spaces
/// and reads quotes, and `%` starts a file-name pattern such as `%A`), if it cannot.
pub fn unfit_for_sbatch(path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    let unfit = |c: char| c.is_whitespace() || c.is_control() || "%'\"\\".contains(c);
    if text.chars().any(unfit) {
        Some(format!(
            "{text}: sbatch's #SBATCH lines cannot name a path with spaces, quotes, backslashes, \
             control characters or `%`; choose a study directory (--out) without them"
        ))
    } else {
        None
    }
}

impl Job<'_> {
    /// The `#SBATCH` lines both jobs share: partition, account and the extra options.
    fn common(&self, out: &mut String) {
        let f = self.flags;
        for (key, value) in [("partition", &f.partition), ("account", &f.account)] {
            if let Some(v) = value {
                let _ = writeln!(out, "#SBATCH --{key}={v}");
            }
        }
        for arg in &f.sbatch_arg {
            let _ = writeln!(out, "#SBATCH {arg}");
        }
    }

    /// The job array: task K runs `runvar worker DIR --unit K`.
    pub fn array_script(&self) -> String {
        let dir = self.dir.display();
        let mut s = String::from("#!/bin/bash\n");
        let _ = writeln!(
            s,
            "# runvar {}: a job array over the units of the study {dir}, written {} UTC.\n\
             # Task K trains unit K (a run, or a pack of runs) with `runvar worker --unit K`; the\n\
             # claims in {dir}/claims keep a unit from being trained twice. `runvar status {dir}`\n\
             # shows the progress; the same `runvar study --backend slurm` command again submits\n\
             # only the units still missing.",
            env!("CARGO_PKG_VERSION"),
            self.stamp
        );
        let f = self.flags;
        let _ = writeln!(s, "#SBATCH --job-name={}", self.name);
        let _ = writeln!(
            s,
            "#SBATCH --array={}",
            array_spec(self.units, f.array_limit)
        );
        let _ = writeln!(s, "#SBATCH --output={}/%A_%a.out", self.logs.display());
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus_per_task);
        for (key, value) in [("time", &f.time), ("gres", &f.gres), ("mem", &f.mem)] {
            if let Some(v) = value {
                let _ = writeln!(s, "#SBATCH --{key}={v}");
            }
        }
        self.common(&mut s);
        let _ = writeln!(
            s,
            "exec {} worker {} --unit \"$SLURM_ARRAY_TASK_ID\"",
            quoted(&self.binary.to_string_lossy()),
            quoted(&self.dir.to_string_lossy())
        );
        s
    }

    /// The report job: `runvar report DIR`, submitted to start once the array has ended.
    pub fn report_script(&self) -> String {
        let dir = self.dir.display();
        let mut s = String::from("#!/bin/bash\n");
        let _ = writeln!(
            s,
            "# runvar {}: the report of the study {dir}, once its job array (written {} UTC)\n\
             # has ended (sbatch --dependency=afterany:<array job>). Runs still missing then are\n\
             # named in its output; submitting again trains them and reports again.",
            env!("CARGO_PKG_VERSION"),
            self.stamp
        );
        let _ = writeln!(s, "#SBATCH --job-name={}-report", self.name);
        let _ = writeln!(s, "#SBATCH --output={}/report-%j.out", self.logs.display());
        self.common(&mut s);
        let _ = writeln!(
            s,
            "exec {} report {}",
            quoted(&self.binary.to_string_lossy()),
            quoted(&self.dir.to_string_lossy())
        );
        s
    }
}

/// `secs` since the Unix epoch as a UTC `YYYYMMDD-HHMMSS`.
pub fn utc_stamp(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days to a proleptic Gregorian date, in 400-year eras that start on 1 March, so that the
    // leap day is the last day of its year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_written_as_ranges() {
        assert_eq!(array_spec(&[0, 1, 2, 3, 5, 7, 8], None), "0-3,5,7-8");
        assert_eq!(array_spec(&[4], Some(2)), "4%2");
        assert_eq!(array_spec(&[0, 2, 4], Some(16)), "0,2,4%16");
    }

    #[test]
    fn stamps_are_utc_dates() {
        // Checked with Python's datetime.utcfromtimestamp.
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
        assert_eq!(utc_stamp(1_796_029_323), "20261130-090203");
    }

    #[test]
    fn scripts_say_what_was_asked() {
        let flags = SlurmFlags {
            partition: Some("gpu".into()),
            gres: Some("gpu:1".into()),
            array_limit: Some(4),
            sbatch_arg: vec!["--qos=high".into()],
            ..SlurmFlags::default()
        };
        let job = Job {
            name: "runvar-s".into(),
            dir: Path::new("/data/s"),
            binary: Path::new("/opt/runvar"),
            units: &[0, 1, 2, 5],
            flags: &flags,
            cpus_per_task: 2,
            logs: Path::new("/data/s/slurm/logs"),
            stamp: "20261130-090203",
        };
        let array = job.array_script();
        for line in [
            "#SBATCH --array=0-2,5%4",
            "#SBATCH --output=/data/s/slurm/logs/%A_%a.out",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --gres=gpu:1",
            "#SBATCH --partition=gpu",
            "#SBATCH --qos=high",
            r#"exec '/opt/runvar' worker '/data/s' --unit "$SLURM_ARRAY_TASK_ID""#,
        ] {
            assert!(array.lines().any(|l| l == line), "{line}\n{array}");
        }
        let report = job.report_script();
        assert!(report.contains("#SBATCH --partition=gpu\n#SBATCH --qos=high\n"));
        assert!(!report.contains("--gres") && !report.contains("--array"));
        assert!(report.ends_with("exec '/opt/runvar' report '/data/s'\n"));
        for bad in ["/a b/s", "/a/100%", "/data/it's", "/a\"b"] {
            assert!(unfit_for_sbatch(Path::new(bad)).is_some(), "{bad}");
        }
        assert!(unfit_for_sbatch(Path::new("/scratch/u-1/study_mnist.v2")).is_none());
        assert_eq!(quoted("/opt/it's"), r"'/opt/it'\''s'");
    }
}
