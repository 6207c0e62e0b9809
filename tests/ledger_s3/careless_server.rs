//! A stand-in for an S3 server that ignores `If-None-Match` on PUT, as Garage 2.5 does (it
//! cannot be installed here in reasonable time): every PUT succeeds, listings are empty.
//! Just enough HTTP/1.1 for object_store's client; it exists only to show that the store
//! refuses such a server instead of writing through it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

pub struct CarelessServer {
    pub port: u16,
    pub puts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl CarelessServer {
    pub fn start() -> CarelessServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (puts, stop) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (counter, stopping) = (Arc::clone(&puts), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let counter = Arc::clone(&counter);
                        std::thread::spawn(move || serve(stream, &counter));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        CarelessServer { port, puts, stop }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ACCESS_KEY_ID", "any".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "any".to_string()),
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_ALLOW_HTTP", "true".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

impl Drop for CarelessServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Requests on one keep-alive connection until the client closes it.
fn serve(stream: TcpStream, puts: &AtomicUsize) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let response = if request_line.starts_with("PUT ") {
            puts.fetch_add(1, Ordering::Relaxed);
            "HTTP/1.1 200 OK\r\nETag: \"careless\"\r\nContent-Length: 0\r\n\r\n".to_string()
        } else if request_line.starts_with("GET ") && request_line.contains("list-type=2") {
            let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>\
                       <Name>ledgers</Name><Prefix></Prefix><KeyCount>0</KeyCount>\
                       <MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                xml.len()
            )
        } else {
            let xml =
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>";
            format!(
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                xml.len()
            )
        };
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
