//! A `moto_server` (PyPI `moto[server]`) on a free loopback port for the test that owns it,
//! killed on drop. moto is a real, independent implementation of the EC2 API.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct MotoServer {
    child: Child,
    pub endpoint: String,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A loopback port where nothing listens (bound, then released).
pub fn closed_port_endpoint() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

impl MotoServer {
    pub fn start() -> MotoServer {
        let port = free_port();
        let mut command = if Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
        {
            Command::new("moto_server")
        } else {
            let mut python = Command::new("python3");
            python.args(["-m", "moto.server"]);
            python
        };
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server must be installed (scripts/setup.sh installs moto[server])");
        let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        // Readiness: poll until it accepts connections, bounded to ~30 s.
        let ready = (0..300).any(|_| {
            if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
            false
        });
        let mut server = MotoServer {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        assert!(ready, "moto_server did not start on port {port}");
        if let Some(status) = server.child.try_wait().expect("moto status") {
            panic!("moto_server exited: {status}");
        }
        server
    }

    pub async fn client(&self, region: &str) -> aws_sdk_ec2::Client {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_ec2::Client::new(&config)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
