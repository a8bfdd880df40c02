using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Core.Tests.Cache.Remote;

/// <summary>
/// A real nginx (Debian's package, whose binary has the WebDAV module; installed by eng/test.sh) on
/// 127.0.0.1 and a free port, serving <c>/cache/</c> from a folder with PUT enabled: the "WebDAV-enabled
/// nginx" remote cache. One process (no master), logging every request as <c>METHOD URI STATUS</c>.
/// </summary>
internal sealed class WebDavServer : IDisposable
{
    private const string Executable = "/usr/sbin/nginx";
    private readonly TemporaryDirectory _folder = new();
    private readonly Process _process;

    public WebDavServer()
    {
        ModelBuild.Tests.DebianPackage.Nginx.Require(Executable);
        Port = LoopbackServer.FreePort();
        Directory.CreateDirectory(StoreFolder);
        var prefix = _folder.FullPath;
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 64; }
            http {
                log_format plain '$request_method $uri $status';
                access_log {{prefix}}/access.log plain;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                server {
                    listen 127.0.0.1:{{Port}};
                    location /cache/ {
                        root {{prefix}}/www;
                        dav_methods PUT;
                        create_full_put_path on;
                        dav_access user:rw group:r all:r;
                        client_max_body_size 0;
                    }
                }
            }
            """));
        var start = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        foreach (var argument in new[] { "-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-e", Path.Combine(prefix, "error.log") })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public int Port { get; }

    /// <summary>The remote cache address: <c>http://127.0.0.1:port/cache</c>.</summary>
    public string Address => $"http://127.0.0.1:{Port}/cache";

    /// <summary>Where nginx keeps what was PUT: <c>cas/</c> and <c>ac/</c> below it.</summary>
    public string StoreFolder => _folder.Combine("www", "cache");

    /// <summary>Every request so far as <c>METHOD /cache/... STATUS</c>.</summary>
    /// <remarks>
    /// nginx logs a request after it has sent the response, so the client may read the log before the line of
    /// its last request is there: the log is read until it stays the same for 100 ms (at most 5 s).
    /// </remarks>
    public IReadOnlyList<string> Requests()
    {
        var log = _folder.Combine("access.log");
        string[] Read() => File.Exists(log) ? File.ReadAllLines(log) : [];
        var lines = Read();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(100);
            var again = Read();
            if (again.SequenceEqual(lines))
            {
                break;
            }

            lines = again;
        }

        return lines;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        _folder.Dispose();
    }

    private void WaitUntilListening()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
            {
                var errors = File.Exists(_folder.Combine("error.log")) ? File.ReadAllText(_folder.Combine("error.log")) : "";
                Assert.Fail($"nginx exited with code {_process.ExitCode}: {errors}");
            }

            try
            {
                using var client = new TcpClient("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        throw new TimeoutException("nginx did not listen within 20 s.");
    }
}
