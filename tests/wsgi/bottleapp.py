"""A Bottle application for tests/wsgi.sh."""
import bottle

app = bottle.Bottle()


@app.get('/hello/<name>')
def hello(name):
    return 'hello %s from bottle\n' % name


@app.post('/echo')
def echo():
    return {'got': bottle.request.json}
