//! Driving the node: the readiness probe, one request of any kind, and a step with its
//! `until` loop, `expect` assertions and captures.

use super::client;
use super::node::Node;
use super::problem::Problem;
use super::run::{Runner, at};
use super::spec::{Request, Step};
use super::template::{self, Vars};
use serde_json::Value;
use std::time::{Duration, Instant};

impl Runner<'_> {
    pub(super) fn ready(&mut self, node: &mut Node, phase: &str) -> bool {
        let probe = &self.spec.ready;
        let started = Instant::now();
        let deadline = started + probe.deadline;
        let mut last = "no answer yet".to_owned();
        loop {
            if self.ended(node, phase, None, Duration::ZERO) {
                return false;
            }
            let timeout = probe
                .timeout
                .min(deadline.saturating_duration_since(Instant::now()));
            if !timeout.is_zero() {
                match self.request(&probe.request, &self.vars, timeout) {
                    Ok(doc) => match probe
                        .expect
                        .iter()
                        .find_map(|a| a.check(&doc, &self.vars).err().map(|e| (a, e)))
                    {
                        None => return true,
                        Some((a, got)) => last = format!("{}: {got}", a.text),
                    },
                    Err(e) => last = e,
                }
            }
            let now = Instant::now();
            if now >= deadline {
                // A node that died during the last attempt is the better explanation.
                if !self.ended(node, phase, None, Duration::from_millis(300)) {
                    self.report.problems.push(Problem::NotReady {
                        at: at(phase, None),
                        waited: started.elapsed(),
                        last,
                    });
                }
                return false;
            }
            std::thread::sleep(probe.interval.min(deadline - now));
        }
    }

    pub(super) fn request(
        &self,
        request: &Request,
        vars: &Vars,
        timeout: Duration,
    ) -> Result<Value, String> {
        match request {
            Request::Http {
                method,
                url,
                json,
                status,
            } => {
                let url = template::render(url, vars)?;
                let json = json
                    .as_ref()
                    .map(|j| template::render_json(j, vars))
                    .transpose()?;
                self.client
                    .http(*method, &url, json.as_ref(), *status, timeout)
            }
            Request::Rpc { method, params } => {
                let endpoint = self.spec.rpc.as_ref().ok_or("no [rpc] endpoint")?;
                let params = params
                    .as_ref()
                    .map(|p| template::render_json(p, vars))
                    .transpose()?;
                self.client
                    .rpc(endpoint, vars, method, params.as_ref(), timeout)
            }
            Request::Command { argv } => {
                let argv: Vec<String> = argv
                    .iter()
                    .map(|a| template::render(a, vars))
                    .collect::<Result<_, _>>()?;
                client::command(&argv, &self.spec.env, timeout)
            }
        }
    }

    /// Run one step; captures go into `vars`. False when it failed (problem recorded).
    pub(super) fn step(&mut self, node: &mut Node, step: &Step, vars: &mut Vars) -> bool {
        let line = Some(step.line);
        let doc = match &step.until {
            None => match self.request(&step.request, vars, step.timeout) {
                Ok(doc) => doc,
                Err(error) => {
                    if !self.ended(node, &step.name, line, Duration::from_millis(300)) {
                        self.report.problems.push(Problem::StepFailed {
                            at: at(&step.name, line),
                            error,
                        });
                    }
                    return false;
                }
            },
            Some(until) => {
                let started = Instant::now();
                let deadline = started + until.timeout;
                let mut last: (String, String) = (String::new(), "no answer yet".to_owned());
                loop {
                    if self.ended(node, &step.name, line, Duration::ZERO) {
                        return false;
                    }
                    let timeout = step
                        .timeout
                        .min(deadline.saturating_duration_since(Instant::now()));
                    if !timeout.is_zero() {
                        match self.request(&step.request, vars, timeout) {
                            Ok(doc) => match until
                                .assertions
                                .iter()
                                .find_map(|a| a.check(&doc, vars).err().map(|e| (a, e)))
                            {
                                None => break doc,
                                Some((a, got)) => last = (a.text.clone(), got),
                            },
                            Err(e) => last = (String::new(), e),
                        }
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        if !self.ended(node, &step.name, line, Duration::from_millis(300)) {
                            let (assertion, got) = last;
                            self.report.problems.push(Problem::WaitTimeout {
                                at: at(&step.name, line),
                                waited: started.elapsed(),
                                assertion,
                                got,
                            });
                        }
                        return false;
                    }
                    std::thread::sleep(until.interval.min(deadline - now));
                }
            }
        };
        let mut ok = true;
        for assertion in &step.expect {
            if let Err(got) = assertion.check(&doc, vars) {
                self.report.problems.push(Problem::AssertionFailed {
                    at: at(&step.name, line),
                    assertion: assertion.text.clone(),
                    got,
                });
                ok = false;
            }
        }
        for (name, pointer) in &step.capture {
            match doc.pointer(pointer) {
                Some(value) => {
                    vars.insert(name.clone(), value.clone());
                }
                None => {
                    self.report.problems.push(Problem::StepFailed {
                        at: at(&step.name, line),
                        error: format!(
                            "capture `{name}`: nothing at {pointer} in {}",
                            super::assertion::abbreviate(&doc)
                        ),
                    });
                    ok = false;
                }
            }
        }
        if ok {
            self.report.steps_passed += 1;
        }
        ok
    }
}
