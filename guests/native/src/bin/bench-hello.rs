//! Native twin of the tokio_wasi + hyper_wasi hello guest: a current-thread tokio runtime
//! (wasm guests have one thread) serving the guest's exact body (`Hello from hyper_wasi\n`) over HTTP/1.1 keep-alive with
//! hyper 0.14, the line hyper_wasi forked from. `bench-hello --listen 127.0.0.1:PORT`.

#[cfg(not(target_os = "wasi"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use hyper::{
        Body, Request, Response, Server,
        service::{make_service_fn, service_fn},
    };
    use std::convert::Infallible;

    async fn hello(_req: Request<Body>) -> Result<Response<Body>, Infallible> {
        Ok(Response::new(Body::from("Hello from hyper_wasi\n")))
    }

    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .iter()
        .position(|a| a == "--listen")
        .and_then(|i| args.get(i + 1))
        .map_or("127.0.0.1:8080", String::as_str)
        .parse::<std::net::SocketAddr>()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let make = make_service_fn(|_conn| async { Ok::<_, Infallible>(service_fn(hello)) });
        // Same hyper settings as the wasm guest (guests/sockets/hyper-guest): one flattened
        // write per response.
        Server::bind(&addr)
            .tcp_nodelay(true)
            .http1_writev(false)
            .serve(make)
            .await
    })?;
    Ok(())
}

/// This server is native only; the wasm guest is guests/sockets' hyper guest.
#[cfg(target_os = "wasi")]
fn main() {}
