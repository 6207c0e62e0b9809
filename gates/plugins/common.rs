//! What both example plugins do at the end: print the report and exit 0, or say on stderr
//! why there is none and exit 2 (which tollgate reports as an error that blocks). Included
//! by each plugin's main.rs with `#[path]`, so the library itself never prints.

use std::process::ExitCode;
use tollgate::gates::plugin::protocol::Response;

pub fn finish(program: &str, report: Result<Response, String>) -> ExitCode {
    let text = report.and_then(|response| {
        serde_json::to_string_pretty(&response)
            .map_err(|e| format!("cannot encode the report: {e}"))
    });
    match text {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{program}: {message}");
            ExitCode::from(2)
        }
    }
}
