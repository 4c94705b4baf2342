//! A real SMTP server for tests: Python's aiosmtpd on a port of its own, writing what it
//! receives into a maildir that the test reads back as a mail client would. `.ci/run` installs
//! aiosmtpd into a venv and names its Python in `DUBAN_TEST_PYTHON`; without it a test fails,
//! saying so.

use duban_web::mail::MailConfig;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A running aiosmtpd, stopped when dropped.
pub struct Smtpd {
    port: u16,
    maildir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtpd {
    /// A server on a new port.
    pub fn start() -> Smtpd {
        let mut s = Smtpd {
            port: free_port(),
            maildir: tempfile::tempdir().unwrap(),
            child: None,
        };
        s.restart();
        s
    }

    /// Not started: mail to it fails until [`Smtpd::restart`].
    pub fn stopped() -> Smtpd {
        Smtpd {
            port: free_port(),
            maildir: tempfile::tempdir().unwrap(),
            child: None,
        }
    }

    pub fn restart(&mut self) {
        let python = std::env::var("DUBAN_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} -m aiosmtpd: {e}"));
        self.child = Some(child);
        // Ready when it answers.
        for _ in 0..100 {
            if let Some(c) = &mut self.child
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!(
                    "aiosmtpd exited ({status}): is it installed for {python}? (.ci/run installs it and sets DUBAN_TEST_PYTHON)"
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("aiosmtpd did not start on port {}", self.port);
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received: (recipient, subject, body).
    pub fn received(&self) -> Vec<(String, String, String)> {
        let new: PathBuf = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut all: Vec<(String, String, String)> =
            entries.map(|e| read_mail(&e.unwrap().path())).collect();
        all.sort();
        all
    }

    /// Waits until at least `n` mails arrived (at most 20 s), and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<(String, String, String)> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} mails, got {:#?}", self.received());
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn read_mail(path: &Path) -> (String, String, String) {
    let raw = std::fs::read(path).unwrap();
    let mail = mailparse::parse_mail(&raw).unwrap();
    let header = |name: &str| {
        use mailparse::MailHeaderMap;
        mail.headers.get_first_value(name).unwrap_or_default()
    };
    (header("To"), header("Subject"), mail.get_body().unwrap())
}

/// Mail read every 100 ms, retried after 200 ms: a test waits for seconds, not minutes.
pub fn config(smtp: &Smtpd) -> MailConfig {
    let mut c = MailConfig::new(&smtp.url(), "督办系统 <duban@test.example>");
    c.public_url = Some("https://duban.test.example".into());
    c.every = Duration::from_millis(100);
    c.retry_after = Duration::from_millis(200);
    c
}
