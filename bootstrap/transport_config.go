package bootstrap

import "github.com/integrations/smtp/domain"

// tcpConfig is the transport's part of c.
func (c *Config) tcpConfig() domain.Config {
	return domain.Config{
		Host: c.Host, Port: c.Port, TLSMode: c.TLSMode,
		TLS:           domain.TLSConfig{ServerName: c.TLS.ServerName},
		AuthMechanism: c.AuthMechanism, AllowInsecureAuth: c.AllowInsecureAuth,
		LocalName: c.LocalName, Timeouts: c.Timeouts, IOTimeout: c.IOTimeout,
		EnablePipelining: !c.DisablePipelining, EnableChunking: c.EnableChunking,
	}
}
