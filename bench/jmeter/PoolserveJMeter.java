/*
 * PoolserveJMeter: runs Debian's JMeter 2.13 headless (-n).
 *
 * Debian builds JMeter 2.13 against XStream 1.4.20, whose security
 * framework forbids every type that is not explicitly allowed, and
 * JMeter 2.13 allows none: loading any .jmx fails with
 * ForbiddenClassException.  This launcher sets JMeter's home and
 * properties, grants AnyTypePermission to the XStream instances held in
 * the static fields of org.apache.jmeter.save.SaveService (the .jmx and
 * .jtl (de)serialisers), then hands the command line to
 * new org.apache.jmeter.JMeter().start(args), as JMeter's own NewDriver
 * does.  Only run trusted plans with it: the permission is what XStream's
 * default forbids for good reason.
 *
 * Classpath: this class, /usr/share/jmeter/bin/ApacheJMeter.jar (its
 * manifest names the /usr/share/java dependencies), and the jars of
 * /usr/share/jmeter/lib and lib/ext.  bench/jmeter/run builds it.
 *
 *   java -Djmeter.home=/usr/share/jmeter -cp CP PoolserveJMeter -n -t plan.jmx ...
 */

import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Properties;

public final class PoolserveJMeter {
	private PoolserveJMeter() {
	}

	public static void main(String[] args) throws Exception {
		String home = System.getProperty("jmeter.home", "/usr/share/jmeter");
		System.setProperty("jmeter.home", home);
		if (!new File(home, "bin/jmeter.properties").canRead()) {
			System.err.println("PoolserveJMeter: no " + home +
			    "/bin/jmeter.properties (apt-get install jmeter)");
			System.exit(1);
		}

		/*
		 * SaveService reads JMeter's properties in its static
		 * initialiser, so they must be loaded before we touch it.
		 * JMeter.start() loads them again with the full command line;
		 * the -J values are applied here too so that both agree.
		 */
		org.apache.jmeter.util.JMeterUtils.setJMeterHome(home);
		org.apache.jmeter.util.JMeterUtils.loadJMeterProperties(
		    home + "/bin/jmeter.properties");
		Properties p = org.apache.jmeter.util.JMeterUtils.getJMeterProperties();
		for (int i = 0; i < args.length; i++) {
			String a = args[i];
			String kv = null;
			if (a.startsWith("-J") && a.length() > 2)
				kv = a.substring(2);
			else if (a.equals("-J") && i + 1 < args.length)
				kv = args[++i];
			if (kv == null)
				continue;
			int eq = kv.indexOf('=');
			if (eq > 0)
				p.setProperty(kv.substring(0, eq), kv.substring(eq + 1));
		}

		int granted = permitXStream();
		if (granted == 0) {
			System.err.println("PoolserveJMeter: no XStream field in SaveService");
			System.exit(1);
		}
		new org.apache.jmeter.JMeter().start(args);
	}

	/* Grant AnyTypePermission to every static XStream of SaveService. */
	private static int permitXStream() throws Exception {
		Class<?> save = Class.forName("org.apache.jmeter.save.SaveService");
		Class<?> xstream = Class.forName("com.thoughtworks.xstream.XStream");
		Class<?> perm = Class.forName(
		    "com.thoughtworks.xstream.security.TypePermission");
		Object any = Class.forName(
		    "com.thoughtworks.xstream.security.AnyTypePermission")
		    .getField("ANY").get(null);
		int n = 0;
		for (Field f : save.getDeclaredFields()) {
			if (!Modifier.isStatic(f.getModifiers()) ||
			    !xstream.isAssignableFrom(f.getType()))
				continue;
			f.setAccessible(true);
			Object xs = f.get(null);
			if (xs == null)
				continue;
			xstream.getMethod("addPermission", perm).invoke(xs, any);
			n++;
		}
		return n;
	}
}
